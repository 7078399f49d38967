"""Sentences about a simulator's data adapter: its records, its role, its namespace, its readiness."""
from __future__ import annotations

import json

import pytest
import redis
from pytest_bdd import given, parsers, then, when

from steps.probes.discovery_probe import DiscoveryProbe
from steps.probes.postgres_probe import monitor_rows
from steps.probes.principals import schema, with_namespaces
from steps.probes.service_probe import Reply, ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack


@pytest.fixture
def created() -> dict:
    """The record a scenario created: {"service", "path", "id", "body"}."""
    return {}


@when(parsers.parse("a client creates a record with {body} at {path} on the {service}"), target_fixture="reply")
def creates(service_probe: ServiceProbe, unique: str, created: dict, body: str, path: str, service: str) -> Reply:
    payload = json.loads(body.replace("'", '"').replace("$unique", f"probe-{unique}"))
    reply = Reply(service, service_probe.post(service, path, payload))
    created.update(service=service, path=path, body=reply.response.json() if reply.response.content else {})
    return reply


@then("the reply is 201 with the new record's id")
def created_201(reply: Reply, created: dict):
    assert reply.response.status_code == 201, reply.response.text
    ids = [v for k, v in created["body"].items() if k.endswith("_id") and k not in ("account_id", "trace_id")
           and isinstance(v, str) and len(v) == 36] or [created["body"].get("account_id")]
    assert ids and ids[0], created["body"]
    created["id"] = ids[0]
    created["id_column"] = next(k for k, v in created["body"].items() if v == ids[0])


def monitor_finds(stack: Stack, evidence: Evidence, created: dict, table: str):
    rows = monitor_rows(stack, evidence, f"SELECT 1 FROM {table} WHERE {created['id_column']} = %s", (created["id"],))
    assert rows, f"{created['id']} is not in {table}"


@then(parsers.parse("the monitor user finds that record in table {table} of the {domain} schema"))
def monitor_finds_in_domain(stack: Stack, evidence: Evidence, created: dict, table: str, domain: str):
    monitor_finds(stack, evidence, created, f"{schema(stack.definition.profile, domain)}.{table}")


@then(parsers.parse("the monitor user does not find that record in table {table} of the {domain} schema"))
def monitor_does_not_find(stack: Stack, evidence: Evidence, created: dict, table: str, domain: str):
    qualified = f"{schema(stack.definition.profile, domain)}.{table}"
    rows = monitor_rows(stack, evidence, f"SELECT 1 FROM {qualified} WHERE {created['id_column']} = %s", (created["id"],))
    assert not rows, f"{created['id']} leaked into {qualified}"


@then(parsers.parse("reading {path}/<id> from the {service} returns the same record"))
def reads_back(service_probe: ServiceProbe, created: dict, path: str, service: str):
    reply = service_probe.get(service, f"{path}/{created['id']}")
    assert reply.status_code == 200, reply.text
    assert reply.json() == created["body"], (reply.json(), created["body"])


@then(parsers.parse('the {service} holds PostgreSQL sessions only as "{role}"'))
def sessions_as(stack: Stack, evidence: Evidence, service: str, role: str):
    instance = simulator(stack, service).instance
    rows = monitor_rows(stack, evidence, "SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = %s",
                         (instance,))
    assert [r[0] for r in rows] == [role], f"sessions of {instance} run as {[r[0] for r in rows]}"


@then(parsers.parse("the {service} holds PostgreSQL sessions only as the {domain} adapter"))
def sessions_as_adapter(stack: Stack, evidence: Evidence, service: str, domain: str):
    sessions_as(stack, evidence, service, stack.definition.profile.domain_name(domain, "role"))


@when(parsers.parse("a client asks the {service} which data adapter it uses"), target_fixture="reply")
def asks_adapter(service_probe: ServiceProbe, service: str) -> Reply:
    return Reply(service, service_probe.get(service, "/api/v1/adapter"))


@then(parsers.parse('it names the PostgreSQL role "{role}" with schema "{schema}"'))
def names_role(reply: Reply, role: str, schema: str):
    assert reply.response.status_code == 200, reply.response.text
    assert reply.json["postgres"] == {"role": role, "schema": schema}, reply.json


@then(parsers.parse('it names the Redis user "{user}" with namespace "{namespace}"'))
def names_user(reply: Reply, user: str, namespace: str):
    assert reply.json["redis"] == {"user": user, "namespace": namespace}, reply.json


@then(parsers.parse("it names the PostgreSQL role and schema of the {domain} adapter"))
def names_domain_role(stack: Stack, reply: Reply, domain: str):
    profile = stack.definition.profile
    names_role(reply, profile.domain_name(domain, "role"), profile.domain_name(domain, "schema"))


@then(parsers.parse("it names the Redis user and namespace of the {domain} adapter"))
def names_domain_user(stack: Stack, reply: Reply, domain: str):
    profile = stack.definition.profile
    names_user(reply, profile.domain_name(domain, "redis_user"), profile.domain_name(domain, "namespace"))


@then(parsers.parse("the discovery keys of the {service} are {namespace}:service:{instance}:info and :heartbeat"))
def discovery_keys(stack: Stack, discovery: DiscoveryProbe, service: str, namespace: str, instance: str):
    namespace = with_namespaces(stack.definition.profile, namespace)
    spec = simulator(stack, service)
    expected = {f"{namespace}:service:{instance}:info", f"{namespace}:service:{instance}:heartbeat"}
    wait_until(lambda: set(discovery.keys(spec)) == expected, stack.timing.ready_timeout,
               message=f"{sorted(expected)} to exist")


@then(parsers.parse('the {domain} adapter may write "{own}" but not "{other}"'))
def domain_confined(stack: Stack, evidence: Evidence, unique: str, domain: str, own: str, other: str):
    profile = stack.definition.profile
    confined(stack, evidence, unique, profile.domain_name(domain, "redis_user"), with_namespaces(profile, own),
             with_namespaces(profile, other))


@then(parsers.parse('the Redis user "{user}" may write "{own}" but not "{other}"'))
def confined(stack: Stack, evidence: Evidence, unique: str, user: str, own: str, other: str):
    client = redis.Redis.from_url(stack.redis_url(user), socket_timeout=2, socket_connect_timeout=2)
    try:
        own_key, other_key = f"{own}:{unique}", f"{other}:{unique}"
        assert client.set(own_key, "1", ex=60), f"{user} could not write {own_key}"
        client.delete(own_key)
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.set(other_key, "1", ex=60)
        evidence.record("redis", f"SET {own_key} / SET {other_key} as {user}", "OK / NOPERM")
    finally:
        client.close()


@then(parsers.parse("the {service} answers /api/v1/health with the keys service, status, version, instance and timestamp"))
def health_shape(service_probe: ServiceProbe, service: str):
    body = service_probe.get(service, "/api/v1/health").json()
    assert {"service", "status", "version", "instance", "timestamp"} <= body.keys(), body


@then(parsers.parse("the {service} answers /api/v1/ready with ready true and the components postgres and redis"))
def ready_shape(stack: Stack, service_probe: ServiceProbe, service: str):
    # The body read is the one that answered 200: a second request could meet a check timing out under load.
    body = wait_until(lambda: _ready_body(service_probe, service), stack.timing.ready_timeout,
                      message=f"{service} to be ready")
    assert body["ready"] is True and {"postgres", "redis"} <= body["components"].keys(), body


def _ready_body(service_probe: ServiceProbe, service: str) -> dict | None:
    response = service_probe.get(service, "/api/v1/ready")
    return response.json() if response.status_code == 200 else None


# -- degradation ------------------------------------------------------------------------------
@pytest.fixture
def pids_before() -> dict:
    return {}


@given(parsers.parse("the {service} is ready"))
def is_ready(stack: Stack, service_probe: ServiceProbe, pids_before: dict, service: str):
    wait_until(lambda: service_probe.get(service, "/api/v1/ready").status_code == 200, stack.timing.ready_timeout,
               message=f"{service} to be ready")
    pids_before[service] = service_probe.get(service, "/api/v1/health").json()["timestamp"], _pid(stack, service)


def _pid(stack: Stack, service: str) -> int | None:
    pids = getattr(stack, "pids", None)
    return pids().get(service) if pids else None


@then(parsers.parse('the {service} answers /api/v1/ready with 503 and component "{component}" unavailable'))
def not_ready(stack: Stack, service_probe: ServiceProbe, service: str, component: str):
    def degraded() -> bool:
        reply = service_probe.get(service, "/api/v1/ready")
        body = reply.json()
        return reply.status_code == 503 and body["ready"] is False and body["components"][component] != "ok"

    wait_until(degraded, stack.timing.readiness_deadline, message=f"{service} to report {component} down")


@then(parsers.parse("the {service} is ready again without having restarted"))
def ready_again(stack: Stack, service_probe: ServiceProbe, pids_before: dict, service: str):
    wait_until(lambda: service_probe.get(service, "/api/v1/ready").status_code == 200,
               stack.timing.readiness_deadline, message=f"{service} to be ready again")
    assert _pid(stack, service) == pids_before[service][1], "the service was restarted"


@then(parsers.parse("the {service} lists the symbols {symbols} as active"), target_fixture="symbols")
def lists_symbols(service_probe: ServiceProbe, service: str, symbols: str) -> list[str]:
    wanted = sorted(s.strip() for s in symbols.replace(" and ", ", ").split(","))
    reply = service_probe.get(service, "/api/v1/symbols")
    assert reply.status_code == 200 and sorted(reply.json()["symbols"]) == wanted, reply.text
    return wanted


@then(parsers.parse("the monitor user finds those symbols active in table {table} of the {domain} schema"))
def symbols_in_domain_table(stack: Stack, evidence: Evidence, symbols: list[str], table: str, domain: str):
    symbols_in_table(stack, evidence, symbols, f"{schema(stack.definition.profile, domain)}.{table}")


@then(parsers.parse("monitor_user finds those symbols active in {table}"))
def symbols_in_table(stack: Stack, evidence: Evidence, symbols: list[str], table: str):
    rows = monitor_rows(stack, evidence, f"SELECT symbol FROM {table} WHERE is_active ORDER BY symbol", ())
    assert sorted(r[0] for r in rows) == symbols, rows
