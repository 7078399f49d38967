"""The compose target on a real Docker engine: nothing left behind, one-line diagnostics, concurrent runs.

Each session here runs `--target compose` with HARNESS_SERVICES narrowing the stack (Redis alone, or
Redis + the registry), so a test costs seconds. Skipped, with the reason, where no engine answers
(`./setup.sh --compose` installs and starts one; CI runs it).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from trading_harness.definition import StackDefinition, with_services
from trading_harness.errors import HarnessError
from trading_harness.polling import wait_until
from trading_harness.targets.compose_owner import OWNER_PID, PROJECT, RUN_ID
from trading_harness.workdirs import OWNER_FILE, WORKDIR_PREFIX, temp_base

from ..conftest import LEAN, REPO, edit
from ..miniproject import project

HOLD_TEST = textwrap.dedent('''
    import json, os, threading
    from pathlib import Path

    def test_hold(stack):
        state = {"project": stack.project, "run_id": stack.run_id, "workdir": str(stack.workdir),
                 "ports": {name: stack.address(name).port for name in stack.services}}
        written = Path(os.environ["STATE_FILE"] + ".tmp")  # whole or absent: the test reads it once it exists
        written.write_text(json.dumps(state))
        written.replace(os.environ["STATE_FILE"])
        if os.environ.get("HOLD") == "1":
            threading.Event().wait(300)
''')


@pytest.fixture(scope="module")
def engine():
    from trading_harness.docker_engine import preflight
    try:
        return preflight()
    except HarnessError as exc:
        pytest.skip(f"no Docker engine for the compose target: {exc}")


def _session(tmp_path: Path, hold: bool, services: str = "redis", stack_dir: Path | None = None,
             name: str = "s") -> tuple[subprocess.Popen, Path]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "test_hold.py").write_text(HOLD_TEST)
    (folder / "pytest.ini").write_text("[pytest]\n")
    state = folder / "state.json"
    argv = [sys.executable, "-m", "pytest", "-p", "fixtures.plugin", *LEAN, "--rootdir", str(REPO),
            "-c", str(folder / "pytest.ini"), str(folder / "test_hold.py"), "-q", "--target", "compose"]
    if stack_dir:
        argv += ["--stack-dir", str(stack_dir)]
    env = {**os.environ, "STATE_FILE": str(state), "HOLD": "1" if hold else "0", "HARNESS_SERVICES": services}
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    return proc, state


def _interrupt(*procs: subprocess.Popen) -> None:
    """Ctrl-C to each held session, then its end; one still running 120 s later is stopped with SIGTERM (its
    teardown runs) and fails the test, so that no stack outlives it."""
    for proc in procs:
        proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.communicate(timeout=120)
            raise AssertionError(f"the held session {proc.pid} was still running 120 s after Ctrl-C") from None


def _held(proc: subprocess.Popen, state: Path) -> dict:
    wait_until(lambda: state.exists() or proc.poll() is not None, 180, message="the held session to bring its stack up")
    assert state.exists(), proc.communicate(timeout=30)[0][-3000:]
    return json.loads(state.read_text())


def _left(engine, run_id: str) -> list[str]:
    """Containers, networks and volumes that still carry the run's label."""
    selector = {"label": f"{RUN_ID}={run_id}"}
    return ([f"container {c.name}" for c in engine.containers.list(all=True, filters=selector)]
            + [f"network {n.name}" for n in engine.networks.list(filters=selector)]
            + [f"volume {v.name}" for v in engine.volumes.list(filters=selector)])


def _why_gone(proc: subprocess.Popen) -> str:
    """Why a held run's stack is not there while the test expects it: the run ended, or something else removed it."""
    if proc.poll() is not None:
        return f"the held session ended (exit {proc.returncode}) before its stack was looked at:\n" \
               f"{proc.communicate(timeout=30)[0][-3000:]}"
    return "the held session is still running and its stack is gone: another run removed it"


def _assert_gone(engine, run_id: str) -> None:
    wait_until(lambda: not _left(engine, run_id), 60, message=f"the stack of run {run_id} to be removed")


@pytest.mark.slow
def test_every_container_network_and_volume_carries_the_owner_labels(engine, tmp_path):
    proc, state = _session(tmp_path, hold=True)
    try:
        held = _held(proc, state)
        project = {"label": f"{PROJECT}={held['project']}"}
        things = [c.labels for c in engine.containers.list(all=True, filters=project)]
        things += [n.attrs["Labels"] for n in engine.networks.list(filters=project)]
        things += [v.attrs["Labels"] for v in engine.volumes.list(filters=project)]
        assert len(things) >= 3, things  # the redis container, the network, the redis-data volume
        for labels in things:
            assert labels[RUN_ID] == held["run_id"] and labels[OWNER_PID] == str(proc.pid), labels
        for container in engine.containers.list(filters=project):
            for bindings in container.attrs["NetworkSettings"]["Ports"].values():
                assert all(b["HostIp"] == "127.0.0.1" for b in bindings or []), bindings
    finally:
        _interrupt(proc)


@pytest.mark.slow
def test_normal_end_takes_the_stack_down(engine, tmp_path):
    proc, state = _session(tmp_path, hold=False)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out[-3000:]
    held = json.loads(state.read_text())
    assert not _left(engine, held["run_id"])
    assert not Path(held["workdir"]).exists(), "the run's directory outlived the run"


@pytest.mark.slow
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 2), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"])
def test_interrupted_session_takes_the_stack_down(engine, tmp_path, sig, status):
    proc, state = _session(tmp_path, hold=True)
    try:
        held = _held(proc, state)
        assert _left(engine, held["run_id"]), _why_gone(proc)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == status, out[-3000:]
        assert "Traceback" not in out, out[-3000:]
        assert not _left(engine, held["run_id"]), "the session ended with its stack still there"
        assert not Path(held["workdir"]).exists(), "the run's directory outlived the run"
    finally:
        if proc.poll() is None:
            proc.kill()


HOLD_FEATURE = """
@TSE-0001.1a @exchange
Feature: A scenario that holds the compose stack

  @criterion:exchange.1a.rest-health
  Scenario: The stack is held until the run is stopped
    Given the compose stack is up
    Then it waits to be stopped
"""
HOLD_STEP = '''

@given("the compose stack is up")
def compose_stack_up(stack):
    written = Path(os.environ["STACK_FILE"] + ".tmp")  # whole or absent: the test reads it once it exists
    written.write_text(json.dumps({"workdir": str(stack.workdir), "run_id": stack.run_id}))
    written.replace(os.environ["STACK_FILE"])
'''


def _owned(engine, pid: int) -> list[str]:
    """Containers, networks and volumes whose owner label names this process."""
    selector = {"label": f"{OWNER_PID}={pid}"}
    return ([f"container {c.name}" for c in engine.containers.list(all=True, filters=selector)]
            + [f"network {n.name}" for n in engine.networks.list(filters=selector)]
            + [f"volume {v.name}" for v in engine.volumes.list(filters=selector)])


def _workdirs(pid: int) -> list[Path]:
    """Run directories whose owner file names this process."""
    base = Path(temp_base() or tempfile.gettempdir())
    return [p for p in base.glob(f"{WORKDIR_PREFIX}*") if (p / OWNER_FILE).is_file()
            and (p / OWNER_FILE).read_text().strip() == str(pid)]


@pytest.mark.slow
@pytest.mark.parametrize("sig, moment, status", [
    (signal.SIGTERM, "stack-start", 143), (signal.SIGTERM, "scenario", 143),
    (signal.SIGINT, "stack-start", 2), (signal.SIGINT, "scenario", 2),
], ids=["sigterm-stack-start", "sigterm-scenario", "ctrl-c-stack-start", "ctrl-c-scenario"])
def test_a_stopped_features_run_on_compose_exits_reports_and_leaves_nothing(engine, tmp_path, sig, moment, status):
    """A CI cancel (SIGTERM) exits 143 and Ctrl-C 2, whether the stack was starting or a scenario running:
    reports written with the gate saying so, no container, network, volume or run directory left."""
    root = project(tmp_path / "project", feature=HOLD_FEATURE, conftest_extra=HOLD_STEP)
    stack_file = tmp_path / "stack.json"
    # PostgreSQL runs its init SQL before it is healthy: seconds in which the stack is still starting.
    services = "postgres" if moment == "stack-start" else "redis"
    env = {**os.environ, "PYTHONPATH": str(REPO), "STACK_FILE": str(stack_file), "HARNESS_SERVICES": services}
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "features/", *LEAN, "-q",
                             "--target", "compose"], cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        if moment == "stack-start":
            wait_until(lambda: _owned(engine, proc.pid) or proc.poll() is not None, 240,
                       message="the run to create its first container")
        else:
            wait_until(lambda: stack_file.exists() or proc.poll() is not None, 240,
                       message="the held run to bring its stack up")
        assert proc.poll() is None, proc.communicate(timeout=30)[0][-3000:]
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, out[-3000:]
    assert "Traceback" not in out and "INTERNALERROR" not in out, out[-3000:]
    if moment == "stack-start":
        assert not stack_file.exists(), "the signal was meant to land while the stack was starting"
    wait_until(lambda: not _owned(engine, proc.pid), 60, message=f"the run's {_owned(engine, proc.pid)} to be removed")
    assert not _workdirs(proc.pid), "the run's directory outlived the run"
    gate = json.loads((root / "reports" / "gate.json").read_text())
    assert gate["interrupted"] is True and gate["exit_status"] == status, gate
    assert gate["terminated"] is (sig == signal.SIGTERM), gate


@pytest.mark.slow
@pytest.mark.parametrize("reaper", ["next-run", "harness-clean"])
def test_stack_of_a_sigkilled_session_is_reaped(engine, tmp_path, reaper):
    proc, state = _session(tmp_path, hold=True, name="killed")
    held = _held(proc, state)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _left(engine, held["run_id"]), "SIGKILL leaves no chance to clean up: the stack is still there"
    assert Path(held["workdir"]).exists(), "SIGKILL leaves no chance to clean up: the run's directory is still there"
    if reaper == "next-run":
        nxt, _ = _session(tmp_path, hold=False, name="next")
        out, _ = nxt.communicate(timeout=240)
        assert nxt.returncode == 0, out[-3000:]
    else:
        done = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "clean"], cwd=REPO,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert held["project"] in done.stdout, done.stdout
    _assert_gone(engine, held["run_id"])
    assert not Path(held["workdir"]).exists(), "the killed run's directory was not swept"


@pytest.mark.slow
def test_two_runs_at_once_do_not_collide(engine, tmp_path):
    first, first_state = _session(tmp_path, hold=True, name="first")
    second, second_state = _session(tmp_path, hold=True, name="second")
    try:
        a, b = _held(first, first_state), _held(second, second_state)
        assert a["project"] != b["project"]
        assert a["ports"]["redis"] != b["ports"]["redis"]
        assert 6379 not in (a["ports"]["redis"], b["ports"]["redis"]), "ports are chosen by Docker, not the file's"
    finally:
        _interrupt(first, second)
    assert not _left(engine, a["run_id"]) and not _left(engine, b["run_id"])


@pytest.mark.slow
def test_a_service_that_never_becomes_healthy_stops_the_run_with_one_line(engine, tmp_path, stack_copy):
    broken = stack_copy()
    # The registry cannot authenticate to Redis: Redis comes up, the registry's healthcheck never passes.
    edit(broken / "docker-compose.yml", "redis://registry:registry-pass@", "redis://registry:wrong-pass@")
    proc, _ = _session(tmp_path, hold=False, services="service-registry", stack_dir=broken)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 3, out[-3000:]
    line = next((x for x in out.splitlines() if "never became healthy" in x), None)
    assert line, out[-3000:]
    assert "'service-registry'" in line and "health check:" in line and "last log lines:" in line, line
    assert "wrong-pass" not in out, "the message must mask the password"
    left = [c.name for c in engine.containers.list(all=True, filters={"label": OWNER_PID})
            if c.labels.get(OWNER_PID) == str(proc.pid)]
    assert not left, f"a failed start left {left}"


@pytest.mark.slow
def test_cli_keeps_a_compose_stack_up_between_commands(engine, tmp_path):
    """`harness start --target compose`, then commands against it, then `stop`; on a stack narrowed to one
    application service and what it needs (a one-shot step among them): 46 s → 17 s on a quiet machine."""
    state_dir = tmp_path / "state"
    narrowed = {**os.environ, "HARNESS_SERVICES": "audit-correlator"}

    def harness(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "--state-dir", str(state_dir), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=timeout, env=narrowed)

    try:
        started = harness("start", "--target", "compose")
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.startswith("compose stack") and "service-registry" in started.stdout, started.stdout
        daemon = (state_dir / "daemon.pid").read_text().strip()
        owned = engine.containers.list(filters={"label": f"{OWNER_PID}={daemon}"})
        definition = with_services(StackDefinition.load(), ["audit-correlator"])
        services = {name for name, spec in definition.services.items() if not spec.one_shot}
        assert {"redis", "postgres", "service-registry", "audit-correlator"} <= services
        assert {c.labels["com.docker.compose.service"] for c in owned} == services  # running; one-shot steps exited
        steps = engine.containers.list(all=True, filters={"label": f"{OWNER_PID}={daemon}", "status": "exited"})
        assert {c.labels["com.docker.compose.service"] for c in steps} == set(definition.services) - services != set()
        healthy = harness("health")
        assert healthy.returncode == 0 and healthy.stdout.count("OK") == len(services), healthy.stdout + healthy.stderr
        assert "--- postgres ---" in harness("logs", "postgres", "-n", "5").stdout
        validated = harness("validate", "-q", "-p", "no:cacheprovider", "-k", "healthcheck or stopped_and_started")
        assert validated.returncode == 0 and " passed" in validated.stdout, validated.stdout[-3000:]
        run_id = owned[0].labels[RUN_ID]
    finally:
        stopped = harness("stop")
    assert stopped.returncode == 0
    _assert_gone(engine, run_id)


@pytest.mark.slow
def test_a_service_a_scenario_left_stopped_is_started_again(engine):
    """Stopped services start after what they depend on (the registry after Redis, though listed first); after
    each scenario the stack restores what it stopped, reading the running services in one listing."""
    from trading_harness.targets.compose import SERVICE, ComposeStack, engine_time

    stack = ComposeStack.up(with_services(StackDefinition.load(), ["service-registry"]))
    try:
        stopped = ["service-registry", "redis"]

        def containers(service: str) -> list:
            return engine.containers.list(all=True, filters={"label": [f"{PROJECT}={stack.project}",
                                                                       f"{SERVICE}={service}"]})

        for service in stopped:
            assert stack.is_running(service)
            stack.stop(service)
            assert not stack.is_running(service)
            assert [c.status for c in containers(service)] == ["exited"]
        stack.start_many(stopped)
        started = {}
        for service in stopped:
            [container] = containers(service)
            assert container.status == "running"
            started[service] = engine_time(container.attrs["State"]["StartedAt"])
        assert started["redis"] < started["service-registry"], started
        stack.stop("redis")
        stack.ensure_running()
        assert stack.is_running("redis")
        assert [c.status for c in containers("redis")] == ["running"]
    finally:
        stack.close()
