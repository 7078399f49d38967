"""Helpers for the harness's own tests: run pytest on a stack copy, find leftover processes."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import intact
from .forkserver import ForkServer
from .repo import LEAN, REPO, STACK  # noqa: F401 - the tests import them from here
from .running_stack import RunningStacks
from .shared_temp import shared_dir
from .tiers import TESTS, apply_tier_markers, guard_fast_tier, warn_unplaced

# The harness's own tests run narrowed feature runs (-k, -m): their milestones are INCOMPLETE by
# design, so the gate must not fail them. Tests of the gate itself set it back to "0".
os.environ.setdefault("HARNESS_GATE_ALLOW_INCOMPLETE", "1")
# The ~170 pytest subprocesses reuse pytest's rewritten steps and fixtures from __pycache__ (1.7 s -> 1.1 s of
# start-up each) instead of rewriting them every time: a PYTHONDONTWRITEBYTECODE of the caller's is not passed on.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# The features runs fork from a server that imported pytest and the steps' libraries once (tests/forkserver.py).
FORK_SERVER = ForkServer()
atexit.register(FORK_SERVER.close)
# A shell without job control starts a background job with SIGINT ignored, and an ignored signal is inherited:
# the runs that the Ctrl-C tests interrupt would never see it. Python's own handler instead (reset at exec).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(tryfirst=True)  # the groups before xdist's worker appends them to the node ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers and groups from the tier folders (tests/tiers.py); files outside them are listed and counted slow."""
    warn_unplaced(apply_tier_markers(items))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """A fast-tier test (not slow) starts no server: its fixtures, body and teardown run under the guard."""
    # Only the harness's own tests: a features run given a path under tests/ (--stack-dir tests/stacks/...) loads
    # this conftest too, and its scenarios must not run under the guard.
    if item.get_closest_marker("slow") or TESTS not in Path(str(item.path)).resolve().parents:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        guard_fast_tier(patch)
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    """After the last variant test in a row (tests/can_fail), the variants' running stack is closed: idle, it
    costs the rest of this CPU-bound session a fifth of a core. A later variant test starts it again."""
    yield
    if _RUNNING and (nextitem is None or not nextitem.get_closest_marker("can_fail")):
        _RUNNING[0].close()


@dataclass
class RunResult:
    returncode: int
    output: str
    junit: Path
    cucumber: Path
    allure: Path

    def outcomes(self) -> dict[str, str]:
        """Test name -> passed / failed / error / skipped, from the JUnit XML."""
        results = {}
        for case in ET.parse(self.junit).getroot().iter("testcase"):
            state = "passed"
            for tag in ("failure", "error", "skipped"):
                if case.find(tag) is not None:
                    state = tag if tag != "failure" else "failed"
            results[case.get("name")] = state
        return results

    def skip_reasons(self) -> dict[str, str]:
        """Test name -> the reason it was skipped, for the skipped ones, from the JUnit XML."""
        return {case.get("name"): case.find("skipped").get("message") or ""
                for case in ET.parse(self.junit).getroot().iter("testcase") if case.find("skipped") is not None}

    def cucumber_scenarios(self) -> list[dict]:
        return [el for feature in json.loads(self.cucumber.read_text()) for el in feature.get("elements", [])]


def features_run_in(folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240) -> RunResult:
    """`pytest features/ <args>` in a subprocess, its reports (JUnit, Cucumber, Allure, reports/) in folder."""
    junit, cucumber, allure = folder / "junit.xml", folder / "cucumber.json", folder / "allure"
    argv = [sys.executable, "-m", "pytest", "features/", "-q", *LEAN,
            f"--junitxml={junit}", f"--cucumberjson={cucumber}", f"--alluredir={allure}",
            f"--reports-dir={folder / 'reports'}", *args]
    proc = FORK_SERVER.run(argv, cwd=REPO, env={**os.environ, **(env or {})}, timeout=timeout)
    return RunResult(proc.returncode, proc.stdout + proc.stderr, junit, cucumber, allure)


@pytest.fixture(scope="session")
def features_run(tmp_path_factory) -> intact.FeaturesRun:
    """The README's `pytest features/` on the intact stack, once per session (tests/intact.py)."""
    return intact.features_run(shared_dir(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="session")
def scenario_names(tmp_path_factory) -> list[dict]:
    """Every scenario's node id, JUnit key and -k names, collected once per session (tests/intact.py)."""
    return intact.scenario_names(shared_dir(tmp_path_factory.getbasetemp()))


@pytest.fixture
def intact_passed(request):
    """assert_selection_passed(selection, minimum) against the session's shared intact run."""
    def check(selection: str, minimum: int = 1) -> list[str]:
        run, names = request.getfixturevalue("features_run"), request.getfixturevalue("scenario_names")
        return intact.assert_selection_passed(run, names, selection, minimum)
    return check


_RUNNING: list[RunningStacks] = []  # the session's, once a variant asked for it (closed after the last in a row)
# Set to 1, every broken variant runs on a fresh stack of its own, as before the fault switch (bench/variants.py).
FRESH_VARIANTS_ENV = "HARNESS_VARIANTS_FRESH"


@pytest.fixture(scope="session")
def running_stacks():
    """The process's running stack for the variants whose faults it switches (tests/running_stack.py): started
    at the first such variant, closed after the last of a row of them (pytest_runtest_teardown) and at session end."""
    stacks = RunningStacks()
    _RUNNING.append(stacks)
    yield stacks
    _RUNNING.remove(stacks)
    stacks.close()
    stacks.note(os.environ.get("HARNESS_VARIANTS_LOG"))


@pytest.fixture
def run_features(tmp_path: Path, intact_passed, request):
    """Run `pytest features/ <args>` in a subprocess with its reports in tmp_path.

    run.intact_passed(selection, minimum) checks a selection against the session's shared intact run;
    run.running is the process's RunningStacks (None with HARNESS_VARIANTS_FRESH=1)."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> RunResult:
        return features_run_in(tmp_path, *args, env=env, timeout=timeout)

    run.intact_passed = intact_passed
    run.running = None if os.environ.get(FRESH_VARIANTS_ENV) == "1" else request.getfixturevalue("running_stacks")
    return run


@pytest.fixture
def stack_copy(tmp_path: Path):
    """A copy of stack/ to break deliberately."""

    def copy() -> Path:
        target = tmp_path / "stack"
        shutil.copytree(STACK, target)
        return target

    return copy


def edit(path: Path, old: str, new: str) -> None:
    """Replace text that must be there (a broken copy that breaks nothing proves nothing)."""
    text = path.read_text()
    assert old in text, f"{path} no longer contains {old!r}: update the broken-copy recipe"
    path.write_text(text.replace(old, new))


def descendants(pid: int) -> set[int]:
    """Every live process below pid, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True unless the process is gone or a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
