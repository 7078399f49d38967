"""Each target says in one line why it cannot be used, and how to fix it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.errors import StackConfigError
from trading_harness.servers.ports import free_port
from trading_harness.targets.external import ExternalStack

from ..conftest import FORK_SERVER, LEAN, REPO


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return FORK_SERVER.run([sys.executable, "-m", "pytest", "features/", "-q", *LEAN, "-k", "healthcheck_user_can_PING",
                            *args], cwd=REPO, timeout=120, env={**os.environ, **(env or {})})


def test_external_target_that_does_not_answer(tmp_path):
    target = tmp_path / "target.toml"
    port = free_port()
    services = StackDefinition.load().services
    target.write_text("[services]\n" + "".join(f'"{s}" = "127.0.0.1:{port}"\n' for s in services)
                      + "[grpc]\n" + "".join(f'"{s}" = "127.0.0.1:{port}"\n' for s, spec in services.items()
                                             if spec.grpc_port))
    result = _run("--target", "external", "--target-file", str(target))
    assert result.returncode == 3
    assert "does not answer" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_external_target_needs_a_target_file():
    result = _run("--target", "external")
    assert result.returncode == 3
    assert "--target-file" in result.stdout + result.stderr


def test_compose_target_without_docker_engine_says_so(tmp_path):
    # DOCKER_HOST at a socket nobody listens on: the same as no engine, on any machine.
    result = _run("--target", "compose", env={"DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    text = result.stdout + result.stderr
    assert result.returncode == 3, text[-2000:]
    if "docker compose" in text and "was not found" in text:
        return  # no Compose V2 plugin on this machine: that line, naming ./setup.sh --compose, comes first
    assert "no Docker engine answers" in text and "./setup.sh --compose" in text, text[-2000:]
    assert "Traceback" not in text


def test_bad_stack_dir_is_a_usage_error(tmp_path):
    result = _run("--stack-dir", str(tmp_path / "missing"))
    assert result.returncode == 4
    assert "does not exist" in result.stdout + result.stderr


def _target_file(tmp_path, extra: str):
    services = StackDefinition.load().services
    target = tmp_path / "target.toml"
    target.write_text("[services]\n" + "".join(f'"{s}" = "127.0.0.1:1{i:04d}"\n' for i, s in enumerate(services))
                      + "[grpc]\n" + "".join(f'"{s}" = "127.0.0.1:2{i:04d}"\n' for i, (s, spec)
                                             in enumerate(services.items()) if spec.grpc_port) + extra)
    return target


def test_external_target_reads_the_audit_api_addresses(tmp_path):
    definition = StackDefinition.load()
    stack = ExternalStack.from_file(definition, _target_file(tmp_path, '[audit]\n"market-data-simulator" = "10.0.0.5:9186"\n'))
    assert stack.audit_url("market-data-simulator") == "http://10.0.0.5:9186"
    with pytest.raises(StackConfigError, match=r'\[audit\] "custodian-simulator"'):
        stack.audit_address("custodian-simulator")


def test_external_target_refuses_an_audit_address_for_an_unknown_service(tmp_path):
    with pytest.raises(StackConfigError, match=r"\[audit\] nothing"):
        ExternalStack.from_file(StackDefinition.load(), _target_file(tmp_path, '[audit]\nnothing = "127.0.0.1:1"\n'))
