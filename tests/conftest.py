"""Helpers for the harness's own tests: run pytest on a stack copy, find leftover processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from .tiers import apply_tier_markers, guard_fast_tier, warn_unplaced

REPO = Path(__file__).resolve().parent.parent
STACK = REPO / "stack"
# The harness's own tests run narrowed feature runs (-k, -m): their milestones are INCOMPLETE by
# design, so the gate must not fail them. Tests of the gate itself set it back to "0".
os.environ.setdefault("HARNESS_GATE_ALLOW_INCOMPLETE", "1")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers from the tier folders (tests/tiers.py); files outside them are listed and counted slow."""
    warn_unplaced(apply_tier_markers(items))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """A fast-tier test (not slow) starts no server: its fixtures, body and teardown run under the guard."""
    if item.get_closest_marker("slow"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        guard_fast_tier(patch)
        yield


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

    def cucumber_scenarios(self) -> list[dict]:
        return [el for feature in json.loads(self.cucumber.read_text()) for el in feature.get("elements", [])]


@pytest.fixture
def run_features(tmp_path: Path):
    """Run `pytest features/ <args>` in a subprocess with its reports in tmp_path."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 240) -> RunResult:
        junit, cucumber, allure = tmp_path / "junit.xml", tmp_path / "cucumber.json", tmp_path / "allure"
        argv = [sys.executable, "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider",
                f"--junitxml={junit}", f"--cucumberjson={cucumber}", f"--alluredir={allure}",
                f"--reports-dir={tmp_path / 'reports'}", *args]
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
        return RunResult(proc.returncode, proc.stdout + proc.stderr, junit, cucumber, allure)

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
