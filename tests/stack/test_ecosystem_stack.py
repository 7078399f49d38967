"""The ecosystem teams' own stack folder (tests/stacks/ecosystem: exporters, Grafana, Jaeger, an OTel
collector, a shell-script registry on alpine, Go services built from sibling folders, Python services and
the aiohttp order-router), run as it is on the embedded target: `harness lint`, TSE-0001.3a, TSE-0001.4,
TSE-0001.12.0 and TSE-0001.1a give no false failure. Every failure is a @hardening advisory or a defect
listed here by name. Real defects planted in a copy are each named by one failing scenario, and the
scenarios that depend on them are skipped saying which failure they depend on."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

from ..conftest import REPO

ECOSYSTEM = REPO / "tests" / "stacks" / "ecosystem"
MILESTONES = ("orchestrator/TSE-0001.3a", "orchestrator/TSE-0001.4", "orchestrator/TSE-0001.12.0", "TSE-0001.1a")
# The @hardening advisories (beyond the seeds' criteria; they fail a milestone only with --strict): the stack's
# adapters hold +@read +@keyspace, so SCAN lists other namespaces' keys.
ADVISORY = "test_the_domain_adapter_can_neither_read_nor_list_the_other_namespace"
# Real defects of the stack as its teams wrote it, kept on purpose (none today: every seed-backed defect the
# first run found was fixed in the folder, each with the seed line it follows).
KNOWN_DEFECTS: frozenset[str] = frozenset()


def _failed(result) -> set[str]:
    return {name for name, state in result.outcomes().items() if state in ("failed", "error")}


def _gate(tmp_path) -> dict[str, dict]:
    gate = json.loads((tmp_path / "reports" / "gate.json").read_text())
    return {row["key"]: row for row in gate["milestones"]}


def test_the_lint_finds_nothing_false():
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint", "--stack-dir", str(ECOSYSTEM),
                           "--format", "json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert (report["errors"], report["warnings"], report["findings"]) == (0, 0, []), report


def test_every_milestone_runs_without_a_false_failure(run_features, tmp_path):
    args = [arg for key in MILESTONES for arg in ("--milestone", key)]
    result = run_features("--stack-dir", str(ECOSYSTEM), *args, "-rs", timeout=1800)
    outcomes = result.outcomes()
    false = sorted(name for name in _failed(result) if not name.startswith(ADVISORY) and name not in KNOWN_DEFECTS)
    assert not false, f"false failures {false}\n" + result.output[-6000:]
    gate = _gate(tmp_path)
    for key in MILESTONES:
        assert gate[key]["passed"] > 0, gate[key]
    assert sum(state == "passed" for state in outcomes.values()) >= 250, gate
