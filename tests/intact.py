"""One intact `pytest features/` run per `pytest tests/` session, shared by every *_can_fail file.

Each *_can_fail file proves its broken variants fail, and that the same scenarios pass on the intact
stack. The second half used to be one features run per file (eleven); it is now one run of every
scenario on the whole reference stack, read by each file: its selection (a -k expression) is evaluated
with pytest's own matcher against the names of every scenario (tests/keyword_names.py, one
--collect-only run), and every scenario it selects must have passed in the shared run.

Under xdist the first worker that asks runs it; the others wait on a lock in the session's shared
temp dir and read the result. In CI, .ci/run has already run the README's `pytest features/` and
names the directory where it kept that run (HARNESS_FEATURES_RUN: output.log, exit-status, reports/):
that run is read, not repeated.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .keyword_names import NAMES_ENV, selects  # noqa: F401 - NAMES_ENV for the tests
from .repo import LEAN, REPO
from .shared_temp import once

RUN_ENV = "HARNESS_FEATURES_RUN"
RUN_TIMEOUT = 1800  # the whole suite, serially, on a loaded machine
COLLECT_TIMEOUT = 300


@dataclass(frozen=True)
class FeaturesRun:
    """A finished `pytest features/`: its terminal output, its exit status and a copy of its reports/."""
    path: Path

    @property
    def returncode(self) -> int:
        return int((self.path / "exit-status").read_text().strip())

    @property
    def output(self) -> str:
        return (self.path / "output.log").read_text(errors="replace")

    @property
    def reports(self) -> Path:
        return self.path / "reports"

    def outcomes(self) -> dict[tuple[str, str], str]:
        """(JUnit classname, name) -> passed / failed / error / skipped."""
        results = {}
        for case in ET.parse(self.reports / "junit.xml").getroot().iter("testcase"):
            state = "passed"
            for tag in ("failure", "error", "skipped"):
                if case.find(tag) is not None:
                    state = tag if tag != "failure" else "failed"
            results[(case.get("classname"), case.get("name"))] = state
        return results


def features_run(shared: Path) -> FeaturesRun:
    """The README's `pytest features/` on the intact stack: .ci/run's (HARNESS_FEATURES_RUN), else run once here."""
    if os.environ.get(RUN_ENV):
        run = FeaturesRun(Path(os.environ[RUN_ENV]))
        assert (run.reports / "junit.xml").is_file(), f"{RUN_ENV}={run.path} holds no reports/junit.xml"
        return run
    return FeaturesRun(once(shared, "features-run", _run_features))


def _run_features(target: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_SERVICES"}
    # Its own reports folder: reports/ may belong to another run (one run, one reports folder).
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", *LEAN, f"--reports-dir={target / 'reports'}"],
                          cwd=REPO, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          env={**env, "HARNESS_GATE_ALLOW_INCOMPLETE": "0"})
    (target / "output.log").write_text(proc.stdout + proc.stderr)
    (target / "exit-status").write_text(str(proc.returncode))


def scenario_names(shared: Path) -> list[dict]:
    """Every scenario of features/: node id, JUnit key and the names -k matches (one --collect-only run)."""
    return json.loads((once(shared, "keyword-names", _collect) / "names.json").read_text())


def _collect(target: Path) -> None:
    names = target / "names.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", "--collect-only", "-q", *LEAN,
                           "-p", "tests.keyword_names"], cwd=REPO, capture_output=True, text=True,
                          timeout=COLLECT_TIMEOUT, env={**os.environ, NAMES_ENV: str(names)})
    assert proc.returncode == 0 and names.is_file(), (proc.stdout + proc.stderr)[-3000:]


def assert_selection_passed(run: FeaturesRun, scenarios: list[dict], selection: str, minimum: int = 1) -> list[str]:
    """Every scenario `-k selection` selects passed in the intact run; at least `minimum` are selected."""
    selected = [s for s in scenarios if selects(selection, s["names"])]
    assert len(selected) >= minimum, f"'{selection}' selects {len(selected)} scenarios, fewer than {minimum}"
    outcomes = run.outcomes()
    states = {s["nodeid"]: outcomes.get(tuple(s["junit"]), "not run") for s in selected}
    bad = {nodeid: state for nodeid, state in states.items() if state != "passed"}
    assert not bad, f"on the intact stack ({run.path}), these did not pass: {bad}\n{run.output[-3000:]}"
    return sorted(states)
