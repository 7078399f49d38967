"""Sentences about the service registry: registration, heartbeats, discovery and storage."""
from __future__ import annotations

import time

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.registry_client import RegistryClient, RegistryStorage, ScenarioNames
from trading_harness.evidence import Evidence
from trading_harness.polling import holds_for, wait_until
from trading_harness.targets.stack import Stack


@pytest.fixture
def registry(stack: Stack, evidence: Evidence):
    """An HTTP client of the registry; removes what the scenario registered when it ends."""
    client = RegistryClient(stack.registry_url, evidence)
    yield client
    client.close()


@pytest.fixture
def registry_storage(stack: Stack, evidence: Evidence):
    """The registry's Redis keys, read as the admin user."""
    storage = RegistryStorage(stack.redis_url(stack.definition.profile.user("admin")), evidence)
    yield storage
    storage.close()


@pytest.fixture
def service_names(unique: str) -> ScenarioNames:
    return ScenarioNames(unique)


@pytest.fixture
def registered_services() -> dict[tuple[str, str], dict]:
    """What this scenario registered: (name, instance) -> {"body", "sent_at"}."""
    return {}


def _margin(stack: Stack) -> float:
    return max(1.0, stack.timing.service_ttl / 2)


def _register(registry: RegistryClient, service_names: ScenarioNames, registered_services: dict,
              service: str, instance: str, host: str, port_name: str, port: int) -> None:
    name = service_names.of(service)
    sent_at = time.monotonic()
    reply = registry.register(name, instance, host, {port_name: port})
    assert reply.status_code == 201, f"registering {name}/{instance}: {reply.status_code} {reply.text}"
    registered_services[(name, instance)] = {"body": reply.json(), "sent_at": sent_at}


# -- Given ------------------------------------------------------------------------------
@given(parsers.parse('"{service}" instance "{instance}" is registered at "{host}" with port {port_name} {port:d}'))
def registered(registry: RegistryClient, service_names: ScenarioNames, registered_services: dict,
               service: str, instance: str, host: str, port_name: str, port: int):
    _register(registry, service_names, registered_services, service, instance, host, port_name, port)


@given("these services are registered:")
def these_registered(registry: RegistryClient, service_names: ScenarioNames, registered_services: dict, datatable):
    header, *rows = datatable
    for row in rows:
        cells = dict(zip(header, row))
        _register(registry, service_names, registered_services, cells["service"], cells["instance"], cells["host"],
                  "http", int(cells["port"]))


# -- When -------------------------------------------------------------------------------
@when("the registry's health is requested", target_fixture="registry_reply")
def health_requested(registry: RegistryClient) -> httpx.Response:
    return registry.health()


@when(parsers.parse('"{service}" is discovered'), target_fixture="registry_reply")
def discovered(registry: RegistryClient, service_names: ScenarioNames, service: str) -> httpx.Response:
    return registry.discover(service_names.of(service))


@when("the services are listed", target_fixture="registry_reply")
def listed(registry: RegistryClient) -> httpx.Response:
    return registry.list_services()


@when(parsers.parse('"{service}" instance "{instance}" sends heartbeats for {count:d} service TTLs'))
def sends_heartbeats(stack: Stack, registry: RegistryClient, service_names: ScenarioNames, service: str, instance: str,
                     count: int):
    name = service_names.of(service)

    def beat_and_still_listed() -> bool:
        beat = registry.heartbeat(name, instance)
        assert beat.status_code == 200, f"heartbeat of {name}/{instance}: {beat.status_code} {beat.text}"
        return any(entry["instance"] == instance for entry in registry.instances(name))

    holds_for(beat_and_still_listed, count * stack.timing.service_ttl, interval=stack.timing.heartbeat_interval,
              message=f"{name}/{instance} discoverable while it sends heartbeats")


@when(parsers.parse('"{service}" instance "{instance}" sends no heartbeat'))
def sends_no_heartbeat(registry: RegistryClient, service_names: ScenarioNames, service: str, instance: str):
    """Nothing is sent from here on; the entry is still there at this point."""
    name = service_names.of(service)
    assert any(entry["instance"] == instance for entry in registry.instances(name)), \
        f"{name}/{instance} was gone before the TTL could run out"


@when(parsers.parse('"{service}" instance "{instance}" is deregistered'))
def deregistered(registry: RegistryClient, service_names: ScenarioNames, service: str, instance: str):
    reply = registry.deregister(service_names.of(service), instance)
    assert reply.status_code == 204, f"deregistering: {reply.status_code} {reply.text}"


@when(parsers.parse("the registry is sent {method} {path} with body {body}"), target_fixture="registry_reply")
def sent_raw(registry: RegistryClient, service_names: ScenarioNames, method: str, path: str, body: str) -> httpx.Response:
    return registry.send(method, path, service_names.expand(body))


# -- Then -------------------------------------------------------------------------------
@then(parsers.parse('the registry answers {status:d} with status "{health}" and Redis "{redis_state}"'))
def answers_health(registry_reply: httpx.Response, status: int, health: str, redis_state: str):
    assert registry_reply.status_code == status, f"{registry_reply.status_code} {registry_reply.text}"
    body = registry_reply.json()
    assert (body.get("status"), body.get("redis")) == (health, redis_state), body


@then(parsers.parse('the registry rejects it with {status:d} "{error}"'))
def rejects(registry_reply: httpx.Response, status: int, error: str):
    assert registry_reply.status_code == status, \
        f"expected {status} {error}, got {registry_reply.status_code} {registry_reply.text}"
    assert registry_reply.headers.get("content-type", "").startswith("application/json"), registry_reply.headers
    body = registry_reply.json()
    assert body.get("error") == error, body
    assert isinstance(body.get("message"), str) and body["message"], f"no human message in {body}"


@then(parsers.parse('the discovery lists instance "{instance}" at "{host}" with port {port_name} {port:d}'))
def discovery_lists(registry_reply: httpx.Response, instance: str, host: str, port_name: str, port: int):
    assert registry_reply.status_code == 200, f"{registry_reply.status_code} {registry_reply.text}"
    found = [entry for entry in registry_reply.json()["instances"] if entry["instance"] == instance]
    assert found, f"instance {instance} not in {registry_reply.json()}"
    assert found[0]["host"] == host and found[0]["ports"].get(port_name) == port, found[0]


@then(parsers.parse('"{service}" instance "{instance}" is still discoverable'))
def still_discoverable(registry: RegistryClient, service_names: ScenarioNames, service: str, instance: str):
    name = service_names.of(service)
    assert any(entry["instance"] == instance for entry in registry.instances(name)), \
        f"{name}/{instance} is not discoverable"


@then(parsers.parse('"{service}" stops being discoverable within the service TTL plus a margin'))
def stops_being_discoverable(stack: Stack, registry: RegistryClient, service_names: ScenarioNames, registered_services: dict,
                             service: str):
    name = service_names.of(service)
    wait_until(lambda: not registry.instances(name), stack.timing.service_ttl + _margin(stack),
               message=f"{name} to expire after the service TTL ({stack.timing.service_ttl}s)")
    for (registered_name, _), record in registered_services.items():
        if registered_name == name:
            record["gone_after"] = time.monotonic() - record["sent_at"]


@then(parsers.parse('"{service}" was discoverable for at least the service TTL'))
def lived_for_ttl(stack: Stack, service_names: ScenarioNames, registered_services: dict, service: str):
    name = service_names.of(service)
    lifetimes = [r["gone_after"] for (n, _), r in registered_services.items() if n == name and "gone_after" in r]
    assert lifetimes, f"{name} was not seen to expire"
    # The key expires TTL after the registry wrote it, and it wrote it after we sent the request.
    assert min(lifetimes) >= stack.timing.service_ttl * 0.9, \
        f"{name} expired after {min(lifetimes):.2f}s, before the service TTL of {stack.timing.service_ttl}s"


@then(parsers.parse('"{service}" is not discoverable'))
def not_discoverable(registry: RegistryClient, service_names: ScenarioNames, service: str):
    reply = registry.discover(service_names.of(service))
    assert reply.status_code == 404, f"expected 404, got {reply.status_code} {reply.text}"


@then(parsers.parse('Redis holds no key under registry:services:* for "{service}"'))
def no_redis_key(registry_storage: RegistryStorage, service_names: ScenarioNames, service: str):
    keys = registry_storage.service_keys(service_names.of(service))
    assert keys == [], f"left in Redis: {keys}"


@then("the list contains every registered service")
def list_contains_all(registry_reply: httpx.Response, registered_services: dict):
    assert registry_reply.status_code == 200, f"{registry_reply.status_code} {registry_reply.text}"
    listed = {(e["name"], e["instance"]): e for e in registry_reply.json()["services"]}
    missing = [key for key in registered_services if key not in listed]
    assert not missing, f"not listed: {missing}"
    for key, record in registered_services.items():
        assert listed[key]["host"] == record["body"]["host"], listed[key]
        assert listed[key]["ports"] == record["body"]["ports"], listed[key]


@then(parsers.parse('Redis holds the entry of "{service}" instance "{instance}" under its registry key'),
      target_fixture="registry_key")
def redis_holds_entry(registry_storage: RegistryStorage, service_names: ScenarioNames, registered_services: dict,
                      service: str, instance: str) -> str:
    name = service_names.of(service)
    key = f"registry:services:{name}:{instance}"
    stored, _ = registry_storage.entry(key)
    assert stored is not None, f"no value at {key}"
    sent = registered_services[(name, instance)]["body"]
    for field in ("name", "instance", "host", "ports", "version"):
        assert stored.get(field) == sent[field], f"{key}: {field} is {stored.get(field)!r}, registered {sent[field]!r}"
    return key


@then("that key expires within the service TTL")
def key_expires_within_ttl(stack: Stack, registry_storage: RegistryStorage, registry_key: str):
    _, ttl_ms = registry_storage.entry(registry_key)
    assert 0 < ttl_ms <= stack.timing.service_ttl * 1000, \
        f"{registry_key} has a TTL of {ttl_ms} ms; the service TTL is {stack.timing.service_ttl}s"
