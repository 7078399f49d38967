"""The Cucumber JSON as a third-party reader sees it: cucumber-html-reporter (npm) counts the skipped scenarios
and the one with an undefined step, which pytest-bdd's own writer leaves out (pytest-bdd #567)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .. import npm
from ..miniproject import project, run
from ..unit.test_outcomes_reported import FEATURE, STEPS

PACKAGES = ("cucumber-html-reporter@7.2.0",)
READER = Path(__file__).parent / "readers" / "cucumber_counts.js"


def run_outcomes(tmp_path: Path, reruns: int) -> Path:
    """The outcomes mini project (tests/unit/test_outcomes_reported.py) run once; its Cucumber JSON."""
    root = project(tmp_path / "project", feature=FEATURE, conftest_extra=STEPS)
    run(root, "--reruns", str(reruns), "--gate-allow-incomplete", env={"ATTEMPTS_FILE": str(tmp_path / "attempts")})
    return root / "reports" / "cucumber.json"


def read_counts(cucumber_json: Path, tmp_path: Path) -> dict:
    modules = npm.node_modules("cucumber-reader", PACKAGES, "cucumber-html-reporter")
    proc = subprocess.run(["node", str(READER), str(cucumber_json), str(tmp_path / "cucumber.html")],
                          capture_output=True, text=True, timeout=120, env={"NODE_PATH": str(modules), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_cucumber_html_reporter_counts_skipped_and_undefined_scenarios(tmp_path):
    counts = read_counts(run_outcomes(tmp_path, reruns=1), tmp_path)
    assert {k: counts[k] for k in ("passed", "failed", "skipped", "notdefined")} == \
        {"passed": 2, "failed": 0, "skipped": 2, "notdefined": 1}, counts


@pytest.mark.slow
def test_the_reader_sees_a_failure_where_there_is_one(tmp_path):
    """The same reader on a run whose retry is switched off: the scenario that fails once is a failure."""
    counts = read_counts(run_outcomes(tmp_path, reruns=0), tmp_path)
    assert (counts["passed"], counts["failed"]) == (1, 1), counts
