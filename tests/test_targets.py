"""Each target says in one line why it cannot be used, and how to fix it."""
from __future__ import annotations

import subprocess
import sys

from fixtures.definition import StackDefinition
from fixtures.ports import free_port

from .conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider",
                           "-k", "healthcheck_user_can_PING", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


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


def test_compose_target_without_docker_engine_says_so():
    result = _run("--target", "compose")
    text = result.stdout + result.stderr
    if result.returncode == 0:
        return  # a machine with a Docker engine ran the scenario for real
    assert result.returncode == 3
    assert "docker" in text.lower() and ("install" in text or "Start the Docker daemon" in text)


def test_bad_stack_dir_is_a_usage_error(tmp_path):
    result = _run("--stack-dir", str(tmp_path / "missing"))
    assert result.returncode == 4
    assert "does not exist" in result.stdout + result.stderr
