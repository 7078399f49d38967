"""The tests' fork server (tests/forkserver.py) runs `python -m pytest` as a plain subprocess would: in the
run's directory, with its environment and arguments, assertions rewritten, its exit status, a timeout that
kills the run, and a plain subprocess whenever it cannot reproduce the interpreter's start exactly."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ..forkserver import ENABLE_ENV, ForkServer

TESTS = textwrap.dedent("""
    import os
    import time
    from pathlib import Path


    def test_where_and_what():
        Path("seen").write_text(f"{os.getcwd()}|{os.environ['FORKED_VALUE']}|{os.getppid()}|{os.getpid()}")


    def test_rewritten():
        values = [1, 2]
        assert len(values) == 3


    def test_sleeps():
        time.sleep(float(os.environ.get("SLEEP", "0")))
""")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(ENABLE_ENV, "1")  # whatever the session's setting
    forks = ForkServer()
    yield forks
    forks.close()
    assert forks.proc is None


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_forked.py").write_text(TESTS)
    return tmp_path


def pytest_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "FORKED_VALUE": "from-the-request", **extra}


def test_a_forked_run_has_the_runs_directory_environment_arguments_and_rewritten_assertions(server, project):
    result = server.run(pytest_argv("test_forked.py"), cwd=project, env=environment(), timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 2 passed" in result.stdout, result.stdout
    assert "where 2 = len([1, 2])" in result.stdout, result.stdout  # pytest rewrote the test module's asserts
    cwd, value, parent, _ = (project / "seen").read_text().split("|")
    assert (cwd, value) == (str(project), "from-the-request")
    assert int(parent) == server.proc.pid  # forked by the server, not started by this process


def test_every_run_is_a_new_child_and_the_server_stays(server, project):
    seen = []
    for _ in range(2):
        result = server.run(pytest_argv("test_forked.py", "-k", "where"), cwd=project, env=environment(), timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        seen.append((project / "seen").read_text().split("|")[2:])
    (first_parent, first), (second_parent, second) = seen
    assert first_parent == second_parent == str(server.proc.pid) and first != second
    assert server.proc.poll() is None


def test_a_run_past_its_timeout_is_killed(server, project):
    argv = pytest_argv("test_forked.py", "-k", "sleeps")
    with pytest.raises(subprocess.TimeoutExpired):
        server.run(argv, cwd=project, env=environment(SLEEP="60"), timeout=2)
    result = server.run(pytest_argv("test_forked.py", "-k", "where"), cwd=project, env=environment(), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr  # the server answers the next run


@pytest.mark.parametrize("setting", [{"PYTHONHASHSEED": "123"}, {"TZ": "Asia/Tokyo"}, {"LC_ALL": "C"}])
def test_a_different_interpreter_setting_runs_as_a_plain_subprocess(server, project, setting):
    result = server.run(pytest_argv("test_forked.py", "-k", "where"), cwd=project, env=environment(**setting),
                        timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int((project / "seen").read_text().split("|")[2]) == os.getpid()


def test_with_the_server_turned_off_every_run_is_a_plain_subprocess(server, project, monkeypatch):
    monkeypatch.setenv(ENABLE_ENV, "0")
    result = server.run(pytest_argv("test_forked.py", "-k", "where"), cwd=project, env=environment(), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int((project / "seen").read_text().split("|")[2]) == os.getpid() and server.proc is None
