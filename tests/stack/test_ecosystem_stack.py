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
import xml.etree.ElementTree as ET

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


# -- planted defects, in a copy ---------------------------------------------------------------------
PLANTED_SQL = ("-- Planted by tests/stack/test_ecosystem_stack.py: one domain schema and one table missing.\n"
               "DROP SCHEMA risk CASCADE;\nDROP TABLE custodian.settlements CASCADE;\n")
SCHEMAS_FAILURE = "(the failure of 'The database has all seven domain schemas')"
TABLES_FAILURE = "(the failure of 'The custodian schema has its tables')"


def _failure_messages(result) -> dict[str, str]:
    messages = {}
    for case in ET.parse(result.junit).getroot().iter("testcase"):
        for tag in ("failure", "error"):
            if (found := case.find(tag)) is not None:
                messages[case.get("name")] = (found.get("message") or "") + (found.text or "")
    return messages


def test_each_planted_defect_is_named_by_one_failure_and_its_dependents_skip(run_features, tmp_path):
    root = tmp_path / "ecosystem"
    shutil.copytree(ECOSYSTEM, root)
    (root / "config" / "postgres" / "initdb" / "099_planted.sql").write_text(PLANTED_SQL)
    result = run_features("--stack-dir", str(root), "-m", "postgres", "-rs",
                          env={"HARNESS_SERVICES": "redis,postgres"}, timeout=900)
    failures = _failure_messages(result)
    schemas = [name for name in failures if name == "test_the_database_has_all_seven_domain_schemas"]
    tables = [name for name in failures if "schema_has_its_tables" in name]
    assert set(failures) == {*schemas, *tables} and len(schemas) == len(tables) == 1, \
        f"failures {sorted(failures)}\n" + result.output[-4000:]
    assert "risk" in failures[schemas[0]] and "settlements" in failures[tables[0]] \
        and "custodian" in tables[0], failures
    reasons = result.skip_reasons()
    on_schema = [r for r in reasons.values() if "depends on schema risk" in r or "of the risk domain" in r]
    on_table = [r for r in reasons.values() if "depends on table custodian.settlements" in r]
    assert on_schema and all(SCHEMAS_FAILURE in r for r in on_schema), reasons
    assert on_table and all(TABLES_FAILURE in r for r in on_table), reasons
    others = [r for r in reasons.values() if r not in on_schema and r not in on_table]
    assert not [r for r in others if "the failure of" in r], others  # nothing else depends on a failure
