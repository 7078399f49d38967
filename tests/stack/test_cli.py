"""`harness start | status | health | logs | validate | stop` keeps a stack up between commands."""
from __future__ import annotations

import subprocess
import sys

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.polling import wait_until

from ..conftest import REPO, alive


def harness(state_dir, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "--state-dir", str(state_dir), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path / "state"
    harness(tmp_path / "state", "clean")  # stop keeps the data (under /var/tmp: tmp_path is 0700); clean removes it


def test_cli_lifecycle(state_dir):
    started = harness(state_dir, "start")
    assert started.returncode == 0, started.stderr
    assert "service-registry" in started.stdout and "running" in started.stdout
    daemon_pid = int((state_dir / "daemon.pid").read_text())

    healthy = harness(state_dir, "health")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    long_running = [s for s in StackDefinition.load().services.values() if not s.one_shot]  # not init-volumes
    assert healthy.stdout.count("OK") == len(long_running)

    logs = harness(state_dir, "logs", "postgres", "-n", "5")
    assert "--- postgres ---" in logs.stdout

    validated = harness(state_dir, "validate", "-q", "-p", "no:cacheprovider", "-k",
                        "healthcheck or stopped_and_started", timeout=300)
    assert validated.returncode == 0, validated.stdout[-3000:] + validated.stderr[-2000:]
    assert " passed" in validated.stdout

    stopped = harness(state_dir, "stop")
    assert stopped.returncode == 0
    wait_until(lambda: not alive(daemon_pid), 30, message="the daemon to exit")
    assert harness(state_dir, "status").returncode == 2


def test_commands_without_a_stack_say_how_to_start_one(state_dir):
    for command in ("status", "health", "logs", "validate"):
        result = harness(state_dir, command)
        assert result.returncode == 2
        assert "harness start" in result.stderr
        assert result.stderr.count("\n") == 1, "one readable line, no traceback"


def test_bad_stack_dir_is_one_readable_error(state_dir, tmp_path):
    result = harness(state_dir, "--stack-dir", str(tmp_path / "nowhere"), "start")
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
