"""No server outlives the session: normal end, Ctrl-C, SIGKILL of pytest, failed start."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest

from trading_harness.polling import wait_until
from trading_harness.workdirs import OWNER_FILE, WORKDIR_PREFIX, temp_base

from ..conftest import LEAN, REPO, alive, descendants, edit
from ..miniproject import project

HOLD_TEST = textwrap.dedent('''
    import json, os, threading
    from pathlib import Path

    def test_hold(stack):
        pids = Path(os.environ["PIDS_FILE"])
        tmp = pids.with_suffix(".tmp")  # whole or absent: the test reads it as soon as it exists
        tmp.write_text(json.dumps(stack.pids()))
        tmp.replace(pids)
        if os.environ.get("HOLD") == "1":
            threading.Event().wait(120)
''')


def _start_session(tmp_path: Path, hold: bool, stack_dir: Path | None = None,
                   run_id: str = "") -> tuple[subprocess.Popen, Path]:
    (tmp_path / "test_hold.py").write_text(HOLD_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    pids_file = tmp_path / "pids.json"
    argv = [sys.executable, "-m", "pytest", "-p", "fixtures.plugin", *LEAN,
            "--rootdir", str(REPO), "-c", str(tmp_path / "pytest.ini"), str(tmp_path / "test_hold.py"), "-q"]
    if stack_dir:
        argv += ["--stack-dir", str(stack_dir)]
    env = {**os.environ, "PIDS_FILE": str(pids_file), "HOLD": "1" if hold else "0", "HARNESS_RUN_ID": run_id}
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    return proc, pids_file


def _assert_all_gone(pids: set[int]) -> None:
    wait_until(lambda: not [p for p in pids if alive(p)], 15,
               message=f"server processes {sorted(p for p in pids if alive(p))} to exit")


def test_session_end_stops_every_server(tmp_path):
    proc, pids_file = _start_session(tmp_path, hold=False)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    pids = set(json.loads(pids_file.read_text()).values())
    assert len(pids) >= 3
    _assert_all_gone(pids)


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 2), (signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)],
                         ids=["ctrl-c", "sigterm", "sigkill"])
def test_interrupted_session_leaves_no_server(tmp_path, sig, status):
    proc, pids_file = _start_session(tmp_path, hold=True)
    try:
        wait_until(pids_file.exists, 60, message="the held session to bring its stack up")
        servers = set(json.loads(pids_file.read_text()).values())
        everything = descendants(proc.pid)
        assert servers <= everything, "servers should be descendants of pytest before the signal"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == status, out[-3000:]
        _assert_all_gone(everything)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_failed_start_leaves_no_server(tmp_path, stack_copy):
    broken = stack_copy()
    # The registry cannot authenticate: Redis and PostgreSQL come up, the registry never gets healthy.
    edit(broken / "docker-compose.yml", "redis://registry:registry-pass@", "redis://registry:wrong-pass@")
    edit(broken / "embedded.toml", "ready_timeout = 20", "ready_timeout = 3")
    run_id = uuid.uuid4().hex
    proc, _ = _start_session(tmp_path, hold=False, stack_dir=broken, run_id=run_id)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 3, out
    assert "service-registry" in out, out
    assert "wrong-pass" not in out, "the error message must mask the password"
    assert not processes_of_run(run_id), "processes left after a failed start"


def processes_of_run(run_id: str) -> list[int]:
    """Live processes whose environment carries this HARNESS_RUN_ID."""
    marker = f"HARNESS_RUN_ID={run_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


HOLD_FEATURE = """
@TSE-0001.1a @exchange
Feature: A scenario that holds the stack

  @criterion:exchange.1a.rest-health
  Scenario: The stack is held until the run is stopped
    Given the stack is up
    Then it waits to be stopped
"""


def _workdirs(pid: int) -> list[Path]:
    """Data directories whose owner file names this process."""
    base = Path(temp_base() or tempfile.gettempdir())
    return [p for p in base.glob(f"{WORKDIR_PREFIX}*") if (p / OWNER_FILE).is_file()
            and (p / OWNER_FILE).read_text().strip() == str(pid)]


@pytest.mark.parametrize("sig, moment, status", [
    (signal.SIGTERM, "scenario", 143), (signal.SIGTERM, "stack-start", 143),
    (signal.SIGINT, "scenario", 2), (signal.SIGINT, "stack-start", 2),
], ids=["sigterm-scenario", "sigterm-stack-start", "ctrl-c-scenario", "ctrl-c-stack-start"])
def test_a_stopped_features_run_tears_down_reports_and_exits(tmp_path, sig, moment, status):
    """SIGTERM (a CI cancel) does what Ctrl-C does, during a scenario or while the stack starts: stack
    stopped, data directory removed, reports written with the gate saying so; 143 after SIGTERM, 2 after Ctrl-C."""
    root = project(tmp_path / "project", feature=HOLD_FEATURE)
    stack_file = tmp_path / "stack.json"
    # PostgreSQL's initdb and init SQL take seconds: the stack is still starting while they run.
    services = "postgres" if moment == "stack-start" else "redis"
    env = {**os.environ, "PYTHONPATH": str(REPO), "STACK_FILE": str(stack_file), "HARNESS_SERVICES": services}
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "features/", *LEAN, "-q"], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        if moment == "stack-start":
            wait_until(lambda: (_workdirs(proc.pid) and descendants(proc.pid)) or proc.poll() is not None, 60,
                       message="the run to start its first server")
            workdirs = _workdirs(proc.pid)
        else:
            wait_until(stack_file.exists, 60, message="the held run to bring its stack up")
            workdirs = [Path(json.loads(stack_file.read_text())["workdir"])]
        assert proc.poll() is None and workdirs, proc.communicate(timeout=30)[0][-3000:]
        servers = descendants(proc.pid)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, out[-3000:]
    assert "Traceback" not in out and "INTERNALERROR" not in out, out[-3000:]
    if moment == "stack-start":
        assert not stack_file.exists(), "the signal was meant to land while the stack was starting"
    _assert_all_gone(servers)
    assert not [w for w in workdirs if w.exists()], "the run's data directory outlived the run"
    gate = json.loads((root / "reports" / "gate.json").read_text())
    assert gate["interrupted"] is True and gate["exit_status"] == status, gate
    assert gate["terminated"] is (sig == signal.SIGTERM), gate
    assert "INTERRUPTED" in out


def test_the_harness_daemon_tears_down_on_sigterm_and_exits_143(tmp_path):
    """`harness start`'s daemon, stopped as a CI cancel stops it: every server gone, its state file
    removed; its data stays in the state dir, as after `harness stop` (`harness clean` removes it)."""
    state = tmp_path / "state"
    env = {**os.environ, "HARNESS_SERVICES": "redis"}
    proc = subprocess.Popen([sys.executable, "-m", "trading_harness.cli.daemon", "--state-dir", str(state)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        wait_until(lambda: (state / "target.toml").exists(), 60, message="the daemon to bring its stack up")
        servers = descendants(proc.pid)
        assert servers, "the daemon started no server"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, out[-2000:]
    _assert_all_gone(servers)
    assert not (state / "target.toml").exists()
    assert (state / "data").exists(), "SIGTERM is a stop: the data stays for the next start"
    data = (state / "data").resolve()
    cleaned = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "--state-dir", str(state), "clean"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    assert cleaned.returncode == 0 and not data.exists(), cleaned.stdout + cleaned.stderr
