"""Every contract's scenario fails against a stack broken in exactly that contract."""
from __future__ import annotations

import pytest

from ..conftest import edit

ADAPTER_RULE = "~exchange:* +@read +@write +@keyspace +ping -@dangerous"
DOMAIN_SCHEMAS = "('custodian', 'exchange', 'market_data', 'audit')"
# Every CHECK, UNIQUE and FOREIGN KEY constraint gone (foreign keys first: they depend on unique keys).
DROP_CONSTRAINTS = f"""DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
           WHERE contype IN ('f', 'c', 'u') AND connamespace::regnamespace::text IN {DOMAIN_SCHEMAS}
           ORDER BY contype = 'f' DESC LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
  END LOOP; END $$;
"""
# Every NOT NULL outside primary keys gone.
DROP_NOT_NULL = f"""DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT table_schema, table_name, column_name FROM information_schema.columns c
           WHERE table_schema IN {DOMAIN_SCHEMAS} AND is_nullable = 'NO' AND NOT EXISTS (
             SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints tc
               USING (constraint_schema, constraint_name)
             WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
               AND k.table_name = c.table_name AND k.column_name = c.column_name) LOOP
    EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I DROP NOT NULL', r.table_schema, r.table_name, r.column_name);
  END LOOP; END $$;
"""
# These are TSE-0001.3a scenarios: the simulators need not run (HARNESS_SERVICES narrows the stack).
INFRASTRUCTURE_ONLY = {"HARNESS_SERVICES": "redis,postgres,service-registry"}
APPEND = object()  # edit marker: append the text to the file (SQL run last)
SQL_LAST = "postgres/init/05-market-data-schema.sql"



def _faults(names: str) -> tuple[str, str, str]:
    """A registry started with deliberate defects (REGISTRY_FAULTS, see simulators/registry/settings.py)."""
    return ("docker-compose.yml", "      LOG_FORMAT: json\n", f"      LOG_FORMAT: json\n      REGISTRY_FAULTS: {names}\n")


# name: (edits to a copy of stack/, -k selection of the scenarios that must fail)
BROKEN_STACKS = {
    # Redis ACL
    "acl-grants-every-namespace": (
        [("redis/users.acl", "~exchange:* +@read", "~* +@read")],
        "(test_the_domain_adapter_is_denied_the_other_namespace and exchange-custodian) or "
        "test_the_domain_adapter_is_denied_the_registrys_keys"),
    "acl-wrong-own-namespace": (
        [("redis/users.acl", "~exchange:* +@read", "~exchanges:* +@read")],
        "test_the_domain_adapter_can_set_read_and_delete_keys_in_its_own_namespace and exchange"),
    "acl-allows-dangerous-commands": (
        [("redis/users.acl", ADAPTER_RULE, ADAPTER_RULE.replace(" -@dangerous", " +@all"))],
        "test_the_who_is_refused_every_dangerous_command and exchange"),
    "acl-accepts-any-password": (
        [("redis/users.acl", "exchange-adapter on >exchange-pass", "exchange-adapter on >exchange-pass nopass")],
        "test_the_who_cannot_authenticate_with_a_wrong_password and exchange"),
    "healthcheck-user-can-do-everything": (
        [("redis/users.acl", "healthcheck on >health-pass -@all +ping +info", "healthcheck on >health-pass ~* +@all")],
        "test_the_healthcheck_user_may_run_ping_and_info_and_nothing_else"),
    "default-user-enabled": (
        [("redis/users.acl", "user default off resetpass -@all", "user default on nopass ~* +@all")],
        "test_the_default_user_cannot_authenticate or test_the_default_user_cannot_log_in"),
    "registry-user-everywhere": (
        [("redis/users.acl", "registry on >registry-pass ~registry:* ~config:*", "registry on >registry-pass ~*")],
        "test_the_registry_user_may_use_key_only_within_its_namespaces and NOPERM"),
    "redis-monitor-user-can-write": (
        [("redis/users.acl", "monitor on >monitor-pass ~* +@read", "monitor on >monitor-pass ~* +@read +@write")],
        "test_the_monitor_user_reads_every_namespace_but_writes_none"),
    "admin-user-limited": (
        [("redis/users.acl", "admin on >admin-secure-pass ~* &* +@all", "admin on >admin-secure-pass ~* &* +@all -@admin")],
        "test_the_admin_user_has_full_access"),
    "redis-evicts-nothing": (
        [("redis/redis.conf", "maxmemory-policy allkeys-lfu", "maxmemory-policy noeviction")],
        "test_redis_runs_with_directive_as_configured and maxmemory-policy"),
    # PostgreSQL
    "table-missing-its-check": (
        [("postgres/init/04-exchange-schema.sql", "    CONSTRAINT positive_quantity CHECK (quantity > 0),\n", "")],
        "test_table_enforces_the_kind_constraint_constraint and exchange.orders and positive_quantity"),
    "every-constraint-dropped": (
        [(SQL_LAST, APPEND, DROP_CONSTRAINTS)],
        "test_table_enforces_the_kind_constraint_constraint"),
    "not-null-dropped": (
        [(SQL_LAST, APPEND, DROP_NOT_NULL)],
        "test_table_refuses_null_in_column"),
    "role-granted-another-schema": (
        [(SQL_LAST, APPEND, "GRANT USAGE ON SCHEMA custodian TO exchange_adapter;\n"
                            "GRANT SELECT ON ALL TABLES IN SCHEMA custodian TO exchange_adapter;\n"
                            "GRANT CREATE ON SCHEMA risk TO exchange_adapter;\n")],
        "(test_the_domain_adapter_is_denied_the_other_schema and exchange-custodian) or "
        "(test_the_who_cannot_create_tables_in_the_other_schema and exchange and risk)"),
    "schema-missing": (
        [(SQL_LAST, APPEND, "DROP SCHEMA test_coordination CASCADE;\n")],
        "test_the_database_has_all_seven_domain_schemas"),
    "table-missing": (
        [(SQL_LAST, APPEND, "DROP TABLE exchange.order_history;\n")],
        "test_the_domain_schema_has_its_tables and exchange"),
    "role-cannot-write-its-schema": (
        [(SQL_LAST, APPEND, "REVOKE CREATE ON SCHEMA risk FROM risk_adapter;\n")],
        "test_the_domain_adapter_reads_and_writes_its_own_schema and risk"),
    "health-check-unhealthy": (
        [(SQL_LAST, APPEND, "CREATE OR REPLACE FUNCTION trading.health_check() RETURNS TABLE(schema_name TEXT, "
                            "table_count BIGINT, status TEXT) LANGUAGE sql AS $$ SELECT 'trading', 0::bigint, "
                            "'degraded' $$;\n")],
        "test_the_domain_schemas_health_check_reports_healthy_to_its_adapter and trading"),
    "postgres-monitor-user-can-write": (
        [(SQL_LAST, APPEND, "GRANT DELETE ON exchange.accounts TO monitor_user;\n")],
        "test_the_monitor_user_cannot_write_to_table_of_the_domain_schema and accounts"),
    "monitor-user-blind": (
        [(SQL_LAST, APPEND, "REVOKE SELECT ON ALL TABLES IN SCHEMA audit FROM monitor_user;\n")],
        "test_the_monitor_user_reads_every_schema"),
    # Service registry and configuration
    "registry-never-expires": (
        [("embedded.toml", "service_ttl = 1.5", "service_ttl = 0")],
        "test_without_heartbeats_an_entry_expires_after_its_ttl"),
    "heartbeat-slower-than-ttl": (
        [("embedded.toml", "heartbeat_interval = 0.5", "heartbeat_interval = 3")],
        "test_heartbeats_keep_an_entry_alive_beyond_its_ttl"),
    "config-environment-missing": (
        [("docker-compose.yml", "CONFIG_ENVIRONMENTS: development,testing,production",
          "CONFIG_ENVIRONMENTS: development,testing")],
        "test_each_environment_has_its_own_value_and_falls_back_to_the_default"),
    "registry-accepts-invalid-entries": (
        [_faults("accept-invalid")],
        "test_a_bad_request_gets_a_json_error_and_writes_nothing_problem and (missing_field or wrong_type or "
        "out_of_range)"),
    "config-accepts-invalid-values": (
        [_faults("accept-invalid")],
        "test_an_invalid_value_is_rejected_and_the_previous_value_is_kept_problem and (wrong_type or out_of_range "
        "or url or duration)"),
    "registry-drops-writes": (
        [_faults("drop-writes")],
        "test_a_registered_service_can_be_discovered_by_name or test_the_service_list_shows_every_registered_service"
        " or test_an_entry_is_stored_in_redis or test_a_configuration_value_can_be_set_and_read_back"),
    "registry-keeps-deregistered": (
        [_faults("keep-deregistered")],
        "test_a_deregistered_service_can_no_longer_be_discovered"),
    "config-stale": (
        [_faults("stale-config")],
        "test_a_runtime_update_is_seen_by_the_next_reader"),
    "config-ignores-environment": (
        [_faults("ignore-environment")],
        "test_each_environment_has_its_own_value_and_falls_back_to_the_default"),
    # Compose definition
    "compose-without-healthcheck": (
        [("docker-compose.yml", "      test: [\"CMD\", \"pg_isready\"", "      disable: true\n      x-test: [\"CMD\", \"pg_isready\"")],
        "test_the_service_service_is_defined_for_unattended_operation and postgres"),
    "compose-starts-before-redis-is-healthy": (
        [("docker-compose.yml", "      redis:\n        condition: service_healthy",
          "      redis:\n        condition: service_started")],
        "test_the_service_registry_starts_only_after_redis_is_healthy"),
    "compose-wrong-subnet": (
        [("docker-compose.yml", "subnet: 172.20.0.0/16", "subnet: 172.21.0.0/16")],
        "test_the_tradingecosystem_network_has_its_own_subnet"),
}


def _apply(root, edits) -> None:
    for file, old, new in edits:
        if old is APPEND:
            path = root / file
            path.write_text(path.read_text() + "\n" + new)
        else:
            edit(root / file, old, new)


@pytest.mark.parametrize("name", BROKEN_STACKS)
def test_scenario_fails_against_broken_stack(name, run_features, stack_copy):
    edits, selection = BROKEN_STACKS[name]
    root = stack_copy()
    _apply(root, edits)
    result = run_features("--stack-dir", str(root), "-k", selection, env=INFRASTRUCTURE_ONLY)
    outcomes = result.outcomes()
    assert outcomes, f"'{selection}' selects no scenario:\n{result.output[-2000:]}"
    assert result.returncode == 1, result.output[-3000:]
    assert set(outcomes.values()) == {"failed"}, outcomes


def test_the_same_scenarios_pass_against_the_intact_stack(intact_passed):
    intact_passed(" or ".join(f"({s})" for _, s in BROKEN_STACKS.values()), minimum=len(BROKEN_STACKS))
