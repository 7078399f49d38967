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
# Real defects of the stack as its teams wrote it, kept on purpose: each breaks a criterion that the seeds state
# (orchestrator-docker-TODO.md, "TSE-0001.12.0", Phases 5 and 6) and the stack does not follow. Every other defect
# the first run found was fixed in the folder, following its seed line (redis.conf, the network, addresses, limits).
KNOWN_DEFECTS: dict[str, str] = {
    # "Added Docker volume mappings for data and logs directories", "Created scripts/init-volumes.sh": none here.
    "test_the_compose_file_initialises_every_instances_directories_before_the_instance_starts": "no volume init step",
    **{f"test_the_service_instance_keeps_its_data_and_logs_in_its_own_directories[{name}-{name}]": "no ./volumes mounts"
       for name in ("audit-correlator", "custodian-simulator", "exchange-simulator", "market-data-simulator")},
    # "Created complete table structure in both schemas": audit_correlator holds audit_events and correlations only.
    "test_schema_schema_holds_the_four_audit_tables[audit_correlator]": "three audit tables missing",
    "test_the_audit_correlator_tables_keep_the_audit_tables_columns_constraints_and_indexes": "no twin tables",
    # "Created trigger functions for updated_at columns": none.
    "test_an_update_of_any_schema_table_moves_its_updated_at[audit]": "no updated_at trigger",
    "test_an_update_of_any_schema_table_moves_its_updated_at[audit_correlator]": "no updated_at column",
    # "Updated health_check() function to include both schemas": audit's reports neither by name, audit_correlator has none.
    **{f"test_schemahealth_check_reports_both_audit_schemas_to_role[{schema}-{role}]": "health_check() of one schema"
       for schema in ("audit", "audit_correlator") for role in ("audit adapter", "monitor user")},
    # "Metrics carry the instance name" (orchestrator.12.0.instance-aware-metrics): order-router's carry none.
    "test_prometheus_tells_the_instances_of_every_service_apart": "order-router's metrics carry no instance name",
}
# The stack's compose interpolates ${SERVICE_TTL:-90s} and ${HEARTBEAT_INTERVAL:-30s}: a quick run sets them, as its
# team would (the heartbeat scenarios wait two TTLs; at 90 s they took ten minutes).
QUICK = {"SERVICE_TTL": "2s", "HEARTBEAT_INTERVAL": "0.4s"}


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
    result = run_features("--stack-dir", str(ECOSYSTEM), *args, "-rs", env=QUICK, timeout=1800)
    outcomes = result.outcomes()
    failed = _failed(result)
    false = sorted(name for name in failed if not name.startswith(ADVISORY) and name not in KNOWN_DEFECTS)
    assert not false, f"false failures {false}\n" + result.output[-6000:]
    assert set(KNOWN_DEFECTS) <= failed, f"a known defect no longer fails: {sorted(set(KNOWN_DEFECTS) - failed)}"
    gate = _gate(tmp_path)
    for key in MILESTONES:  # TSE-0001.1a is one row per component (exchange/TSE-0001.1a, ...)
        rows = [row for name, row in gate.items() if name == key or name.endswith("/" + key)]
        assert rows and all(row["passed"] > 0 for row in rows), (key, gate)
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
    result = run_features("--stack-dir", str(root), "--milestone", MILESTONES[0], "-m", "postgres", "-rs",
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
