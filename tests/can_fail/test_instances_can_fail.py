"""Every scenario of features/orchestrator/multi_instance_infra.feature (TSE-0001.12.0: per-instance
volumes, the audit_correlator compatibility schema) fails against a stack broken in that contract.

Variants are copies of stack/ with one change (tests/variants.py): a compose file without the volume
initialisation step or not waiting for it, an instance mounting another's directory, an init step
that forgets the logs directories or gives them to root; init SQL without the compatibility schema,
with a missing grant, a stray grant, a missing trigger, a dropped constraint, or a health_check()
that omits a schema.
"""
from __future__ import annotations

import shutil

import pytest
import yaml

from ..conftest import REPO
from ..variants import Variant, append, assert_all_pass, assert_fails, text, uncovered_scenarios

FEATURE = "orchestrator/multi_instance_infra.feature"
INIT = "init-volumes"
INSTANCES = ("audit-correlator,custodian-simulator,exchange-simulator,market-data-simulator,"
             "exchange-okx,exchange-binance")
COMPAT_SQL = "postgres/init/07-audit-correlator-compat.sql"
COMPOSE_CHECK = "initialises_every_instances_directories_before_the_instance_starts"
RUNTIME_CHECK = "keeps_its_data_and_logs_in_its_own_directories"
OLD_HEALTH_CHECK = """CREATE OR REPLACE FUNCTION audit.health_check()
RETURNS TABLE(schema_name TEXT, table_count BIGINT, status TEXT) LANGUAGE sql AS $$
    SELECT 'audit'::text, count(*)::bigint, 'healthy'::text FROM information_schema.tables WHERE table_schema = 'audit' $$;
"""


def without_init_step(root) -> None:
    """The compose file as it was before TSE-0001.12.0: no init service, nobody waits for it."""
    path = root / "docker-compose.yml"
    doc = yaml.safe_load(path.read_text())
    assert doc["services"].pop(INIT, None), f"no {INIT} service: the variant breaks nothing"
    for spec in doc["services"].values():
        if isinstance(spec.get("depends_on"), dict):
            spec["depends_on"].pop(INIT, None)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def init_not_awaited(root) -> None:
    path = root / "docker-compose.yml"
    doc = yaml.safe_load(path.read_text())
    for spec in doc["services"].values():
        if INIT in (spec.get("depends_on") or {}):
            spec["depends_on"][INIT] = {"condition": "service_started"}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def without_compat_sql(root) -> None:
    (root / COMPAT_SQL).unlink()


def volumes(changes, selection: str) -> Variant:
    return Variant(changes, selection, INSTANCES)


def schema(changes, selection: str) -> Variant:
    return Variant(changes, selection, "postgres")


VARIANTS = {
    # instance-volumes
    "a compose file without the volume initialisation step": volumes(
        [without_init_step], f"{COMPOSE_CHECK} or {RUNTIME_CHECK}"),
    "instances that do not wait for the initialisation": volumes([init_not_awaited], COMPOSE_CHECK),
    "an instance mounting another instance's directory": volumes(
        [text("docker-compose.yml", "./volumes/exchange-okx/data:", "./volumes/exchange-binance/data:")],
        f"{COMPOSE_CHECK} or ({RUNTIME_CHECK} and exchange-okx)"),
    "an init step that forgets the logs directories": volumes(
        [text("scripts/init-volumes.sh", "for kind in data logs; do", "for kind in data; do")], RUNTIME_CHECK),
    "an init step that gives the directories to root": volumes(
        [text("docker-compose.yml", 'VOLUME_UID: "10001"', 'VOLUME_UID: "0"')], COMPOSE_CHECK),
    # audit-schema, audit-permissions, updated-at-triggers, health-check-both-schemas
    "init SQL without the audit_correlator schema": schema(
        [without_compat_sql], "audit_correlator or schemahealth_check_reports_both_audit_schemas"),
    "a compatibility schema missing a table": schema(
        [append(COMPAT_SQL, "DROP TABLE audit_correlator.service_metrics;")],
        "holds_the_four_audit_tables and audit_correlator"),
    "a compatibility table without one of its constraints": schema(
        [append(COMPAT_SQL, "ALTER TABLE audit_correlator.audit_correlations DROP CONSTRAINT valid_confidence;")],
        "keep_the_audit_tables_columns_constraints_and_indexes"),
    "audit_adapter without its grant on audit_correlator": schema(
        [append(COMPAT_SQL, "REVOKE UPDATE, DELETE ON ALL TABLES IN SCHEMA audit_correlator FROM audit_adapter;")],
        "audit_adapter_reads_and_writes_schema and audit_correlator"),
    "monitor_user without its grant on audit_correlator": schema(
        [append(COMPAT_SQL, "REVOKE SELECT ON ALL TABLES IN SCHEMA audit_correlator FROM monitor_user;")],
        "monitor_user_reads_schema and audit_correlator"),
    "monitor_user allowed to write audit": schema(
        [append(COMPAT_SQL, "GRANT UPDATE ON audit.service_metrics TO monitor_user;")],
        "monitor_user_reads_schema and not audit_correlator"),
    "another adapter granted the audit_correlator schema": schema(
        [append(COMPAT_SQL, "GRANT USAGE ON SCHEMA audit_correlator TO exchange_adapter;")],
        "login_roles_only_audit_adapter_and_monitor_user and audit_correlator"),
    "a missing updated_at trigger": schema(
        [append(COMPAT_SQL, "DROP TRIGGER trg_service_metrics_updated_at ON audit_correlator.service_metrics;")],
        "update_of_any_schema_table_moves_its_updated_at and audit_correlator"),
    "a missing updated_at trigger in audit": schema(
        [append(COMPAT_SQL, "DROP TRIGGER trg_audit_events_updated_at ON audit.audit_events;")],
        "update_of_any_schema_table_moves_its_updated_at and not audit_correlator"),
    "a health_check() that omits audit_correlator": schema(
        [append(COMPAT_SQL, OLD_HEALTH_CHECK)],
        "schemahealth_check_reports_both_audit_schemas and (audit-audit or audit-monitor)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_instances(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_stack(run_features):
    assert_all_pass(VARIANTS, run_features, timeout=400)


def test_every_multi_instance_scenario_has_a_broken_variant():
    uncovered = uncovered_scenarios(FEATURE, VARIANTS, minimum=9)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"


# The same criteria on a stack that names and shapes everything its own way (tests/stacks/renamed: a
# prepare-dirs step with OWNER=uid:gid, roles app_<domain> and readonly, a jsonb health_check() keyed
# by schema, its own trigger): the harness reads its names, and each break still fails.
RENAMED = REPO / "tests" / "stacks" / "renamed"
RENAMED_VARIANTS = {
    "a foreign volume step that gives the directories to root": Variant(
        [text("docker-compose.yml", 'OWNER: "10001:10001"', 'OWNER: "0:0"')], COMPOSE_CHECK, "db"),
    "a foreign volume step that forgets an instance": Variant(
        [text("docker-compose.yml", "SERVICES: exchange-simulator exchange-okx", "SERVICES: exchange-simulator")],
        COMPOSE_CHECK, "db"),
    "a foreign health_check() that reports audit only": Variant(
        [text("db/init/40_health.sql", "unnest(ARRAY['audit', 'audit_correlator'])", "unnest(ARRAY['audit'])")],
        "schemahealth_check_reports_both_audit_schemas", "db"),
    "a foreign twin schema without its trigger": Variant(
        [text("db/init/35_updated_at.sql", "IN ('audit', 'audit_correlator')", "IN ('audit')")],
        "update_of_any_schema_table_moves_its_updated_at and audit_correlator", "db"),
    "a foreign monitor role allowed to write the twin": Variant(
        [append("db/init/30_table_grants.sql", "GRANT DELETE ON audit_correlator.service_metrics TO readonly;")],
        "monitor_user_reads_schema and audit_correlator", "db"),
    "a foreign venue role granted the other venue's schema": Variant(
        [append("db/init/27_exchange_binance.sql", "GRANT USAGE ON SCHEMA exchange_binance TO app_exchange_okx;\n"
                                                   "GRANT SELECT ON ALL TABLES IN SCHEMA exchange_binance TO app_exchange_okx;")],
        "cannot_reach_the_other_instances_data and exchange-okx", "db,cache"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RENAMED_VARIANTS))
def test_scenario_fails_against_a_broken_foreign_stack(name, run_features, tmp_path):
    def renamed_copy():
        target = tmp_path / "renamed"
        shutil.copytree(RENAMED, target)
        return target

    assert_fails(RENAMED_VARIANTS[name], run_features, renamed_copy)
