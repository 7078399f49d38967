"""Every contract's scenario fails against a stack broken in exactly that contract."""
from __future__ import annotations

import pytest

from .conftest import edit

ADAPTER_RULE = "~exchange:* +@read +@write +@keyspace +ping -@dangerous"

# name: (edits to a copy of stack/, -k selection of the scenarios that must fail)
BROKEN_STACKS = {
    "acl-grants-every-namespace": (
        [("redis/users.acl", "~exchange:* +@read", "~* +@read")],
        "test_user_is_denied_the_other_namespace and exchange-adapter"),
    "acl-allows-dangerous-commands": (
        [("redis/users.acl", ADAPTER_RULE, ADAPTER_RULE.replace(" -@dangerous", " +@all"))],
        "test_user_is_refused_every_dangerous_command and exchange-adapter"),
    "acl-accepts-any-password": (
        [("redis/users.acl", "exchange-adapter on >exchange-pass", "exchange-adapter on >exchange-pass nopass")],
        "test_user_cannot_authenticate_with_a_wrong_password and exchange-adapter"),
    "healthcheck-user-can-do-everything": (
        [("redis/users.acl", "healthcheck on >health-pass -@all +ping +info", "healthcheck on >health-pass ~* +@all")],
        "test_the_healthcheck_user_may_run_ping_and_info_and_nothing_else"),
    "default-user-enabled": (
        [("redis/users.acl", "user default off resetpass -@all", "user default on nopass ~* +@all")],
        "test_the_default_user_cannot_authenticate"),
    "redis-evicts-nothing": (
        [("redis/redis.conf", "maxmemory-policy allkeys-lfu", "maxmemory-policy noeviction")],
        "test_redis_runs_with_directive_as_configured and maxmemory-policy"),
    "table-missing-its-check": (
        [("postgres/init/04-exchange-schema.sql", "    CONSTRAINT positive_quantity CHECK (quantity > 0),\n", "")],
        "test_table_enforces_the_kind_constraint_constraint and exchange.orders and positive_quantity"),
    "role-granted-another-schema": (
        [("postgres/init/05-market-data-schema.sql", "\n",
          "\nGRANT USAGE ON SCHEMA custodian TO exchange_adapter;\n"
          "GRANT SELECT ON ALL TABLES IN SCHEMA custodian TO exchange_adapter;\n", 1)],
        "test_role_is_denied_schema_other and exchange_adapter"),
    "registry-never-expires": (
        [("embedded.toml", "service_ttl = 1.5", "service_ttl = 0")],
        "test_without_heartbeats_an_entry_expires_after_its_ttl"),
    "compose-without-healthcheck": (
        [("docker-compose.yml", "      test: [\"CMD\", \"pg_isready\"", "      disable: true\n      x-test: [\"CMD\", \"pg_isready\"")],
        "test_the_service_service_is_defined_for_unattended_operation and postgres"),
}


def _apply(root, edits) -> None:
    for file, old, new, *count in edits:
        if count:
            path = root / file
            text = path.read_text()
            path.write_text(text + new)  # appended statements run last
        else:
            edit(root / file, old, new)


@pytest.mark.parametrize("name", BROKEN_STACKS)
def test_scenario_fails_against_broken_stack(name, run_features, stack_copy):
    edits, selection = BROKEN_STACKS[name]
    root = stack_copy()
    _apply(root, edits)
    result = run_features("--stack-dir", str(root), "-k", selection)
    outcomes = result.outcomes()
    assert outcomes, f"'{selection}' selects no scenario:\n{result.output[-2000:]}"
    assert result.returncode == 1, result.output[-3000:]
    assert set(outcomes.values()) == {"failed"}, outcomes


def test_the_same_scenarios_pass_against_the_intact_stack(run_features):
    selection = " or ".join(f"({s})" for _, s in BROKEN_STACKS.values())
    result = run_features("-k", selection)
    outcomes = result.outcomes()
    assert len(outcomes) >= len(BROKEN_STACKS)
    assert result.returncode == 0, result.output[-3000:]
    assert set(outcomes.values()) == {"passed"}, outcomes
