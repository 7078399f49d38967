"""Sentences about discovery, inter-service gRPC calls, price streams and the configuration client."""
from __future__ import annotations

import time

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.discovery_probe import DiscoveryProbe
from steps.probes.price_stream import subscribe
from steps.probes.registry_client import RegistryClient
from steps.probes.service_probe import Reply, ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.evidence import Evidence
from trading_harness.polling import holds_for, wait_until
from trading_harness.targets.stack import Stack


@pytest.fixture
def discovery(stack: Stack, registry: RegistryClient, evidence: Evidence):
    probe = DiscoveryProbe(stack, registry, evidence)
    yield probe
    probe.close()


# -- registration ---------------------------------------------------------------------
@given(parsers.parse("the {service} is registered in Redis and in the service registry"))
def is_registered(stack: Stack, discovery: DiscoveryProbe, service: str):
    spec = simulator(stack, service)
    wait_until(lambda: discovery.registered(spec), stack.timing.ready_timeout, message=f"{service} to be registered")


@then(parsers.parse("the {service} is registered neither in Redis nor in the service registry"))
def not_registered_now(stack: Stack, discovery: DiscoveryProbe, service: str):
    spec = simulator(stack, service)
    assert not discovery.keys(spec), f"discovery keys left behind: {discovery.keys(spec)}"
    assert discovery.in_registry(spec) is None, "the registry still lists it"


@then(parsers.parse("the {service} is registered neither in Redis nor in the service registry within the service TTL"))
def gone_within_ttl(stack: Stack, discovery: DiscoveryProbe, service: str):
    spec, timing = simulator(stack, service), stack.timing
    wait_until(lambda: discovery.gone(spec), timing.service_ttl + timing.heartbeat_interval + 1.0,
               message=f"{service}'s discovery entries to expire")


@then(parsers.parse("the heartbeat of the {service} is refreshed at least {count:d} times within 2 service TTLs"),
      target_fixture="heartbeat_window")
def heartbeat_refreshed(stack: Stack, discovery: DiscoveryProbe, service: str, count: int) -> dict:
    """The window of 2 TTLs begins here; while it waits for the refreshes it also looks at both discovery keys,
    which the next sentence ("during that time") holds for the rest of the window."""
    spec, seen, missing = simulator(stack, service), set(), []
    began = time.monotonic()

    def refreshed() -> bool:
        seen.add(discovery.heartbeat(spec))
        if gone := {spec.info_key, spec.heartbeat_key} - set(discovery.keys(spec)):
            missing.append(f"{time.monotonic() - began:.2f} s in: no {' and no '.join(sorted(gone))}")
        return len(seen - {None}) > count

    wait_until(refreshed, 2 * stack.timing.service_ttl, interval=stack.timing.heartbeat_interval / 5,
               message=f"{count + 1} distinct heartbeats of {service}")
    return {"ends": began + 2 * stack.timing.service_ttl, "missing": missing}


@then(parsers.parse("the discovery entries of the {service} never expire during that time"))
def never_expire(stack: Stack, discovery: DiscoveryProbe, service: str, heartbeat_window: dict):
    spec = simulator(stack, service)
    assert not heartbeat_window["missing"], \
        f"{service}'s discovery entry expired while its heartbeats were counted: {heartbeat_window['missing'][:3]}"
    holds_for(lambda: len(discovery.keys(spec)) == 2, max(0.0, heartbeat_window["ends"] - time.monotonic()),
              interval=stack.timing.heartbeat_interval / 2, message=f"both discovery keys of {service} exist")


@then(parsers.parse("the service registry lists the {service} with its HTTP and gRPC ports"))
def registry_lists(stack: Stack, discovery: DiscoveryProbe, service: str):
    spec = simulator(stack, service)
    entry = discovery.in_registry(spec)
    assert entry is not None, f"{spec.service_name}/{spec.instance} is not registered"
    assert {"http", "grpc"} <= set(entry["ports"]), entry


@then(parsers.parse('the service registry lists the instance "{instance}" of "{name}"'))
def registry_lists_instance(registry: RegistryClient, instance: str, name: str):
    assert instance in [e["instance"] for e in registry.instances(name)], registry.instances(name)


# -- peers ----------------------------------------------------------------------------
def _call_peer(service_probe: ServiceProbe, caller: str, callee: str):
    return service_probe.get(caller, f"/api/v1/peers/{callee}/health")


@when(parsers.parse("the {caller} calls the {callee} over gRPC {count:d} times"), target_fixture="peer_replies")
def calls_peer(service_probe: ServiceProbe, caller: str, callee: str, count: int):
    before = service_probe.get(caller, "/api/v1/peers").json()["channels_opened"]
    return before, [_call_peer(service_probe, caller, callee) for _ in range(count)]


@then(parsers.parse("every call succeeds and names the answering {callee} instance"))
def calls_succeed(stack: Stack, peer_replies, callee: str):
    spec = simulator(stack, callee)
    for reply in peer_replies[1]:
        assert reply.status_code == 200, reply.text
        assert reply.json()["instance"] == spec.instance and reply.json()["status"] == "SERVING", reply.json()


@then(parsers.parse("the {caller} opened one pooled channel for those calls"))
def one_channel(service_probe: ServiceProbe, peer_replies, caller: str):
    before = peer_replies[0]
    after = service_probe.get(caller, "/api/v1/peers").json()["channels_opened"]
    assert after - before <= 1, f"{after - before} channels opened for {len(peer_replies[1])} calls"


@when(parsers.parse("a client asks the exchange-simulator for the market price of {symbol}"), target_fixture="reply")
def market_price(service_probe: ServiceProbe, symbol: str):
    return Reply("exchange-simulator", service_probe.get("exchange-simulator", f"/api/v1/market/prices/{symbol}"))


@then(parsers.parse("the price comes from the {source} with a bid below the ask"))
def price_from(stack: Stack, reply, source: str):
    from decimal import Decimal
    assert reply.response.status_code == 200, reply.response.text
    body = reply.json
    assert body["source_instance"] == simulator(stack, source).instance, body
    assert Decimal(body["bid"]) < Decimal(body["price"]) < Decimal(body["ask"]), body


@given(parsers.parse("the {caller} has called the {callee} over gRPC successfully"))
def called_once(stack: Stack, service_probe: ServiceProbe, caller: str, callee: str):
    wait_until(lambda: _call_peer(service_probe, caller, callee).status_code == 200, stack.timing.ready_timeout,
               message=f"{caller} to reach {callee}")


@when(parsers.parse("the {caller} calls the {callee} {count:d} times while it is down"), target_fixture="failed_calls")
def calls_while_down(service_probe: ServiceProbe, caller: str, callee: str, count: int):
    return [_call_peer(service_probe, caller, callee) for _ in range(count)]


@then(parsers.parse('each of those calls fails with "{error}"'))
def each_fails(failed_calls, error: str):
    for reply in failed_calls:
        assert reply.status_code == 503 and reply.json()["error"] == error, f"{reply.status_code} {reply.text}"


@then(parsers.parse('the next call from the {caller} fails fast with "{error}" without reaching the {callee}'))
def fails_fast(service_probe: ServiceProbe, caller: str, error: str, callee: str):
    before = service_probe.get(caller, "/api/v1/peers").json()["services"][callee]
    reply = _call_peer(service_probe, caller, callee)
    after = service_probe.get(caller, "/api/v1/peers").json()["services"][callee]
    assert reply.status_code == 503 and reply.json()["error"] == error, f"{reply.status_code} {reply.text}"
    assert after["rejected_calls"] == before["rejected_calls"] + 1, (before, after)
    assert after["consecutive_failures"] == before["consecutive_failures"], "the call reached the peer"


@then(parsers.parse("a call from the {caller} to the {callee} succeeds again after the breaker cool-down"))
def succeeds_again(stack: Stack, service_probe: ServiceProbe, caller: str, callee: str):
    wait_until(lambda: _call_peer(service_probe, caller, callee).status_code == 200,
               stack.timing.breaker_cooldown * 2 + stack.timing.slack, message=f"{caller} to reach {callee} again")


@then(parsers.parse("the {caller}'s breaker for the {callee} is closed"))
def breaker_closed(service_probe: ServiceProbe, caller: str, callee: str):
    state = service_probe.get(caller, "/api/v1/peers").json()["services"][callee]
    assert state["state"] == "closed" and state["consecutive_failures"] == 0, state


# -- price stream ---------------------------------------------------------------------
@when(parsers.parse("a gRPC client subscribes to StreamPrices for {first} and {second} until it has {count:d} updates"),
      target_fixture="stream")
def subscribes(stack: Stack, evidence: Evidence, first: str, second: str, count: int):
    return subscribe(stack, evidence, [first, second], count)


@when(parsers.parse("a gRPC client subscribes to StreamPrices for the single symbol {symbol}"), target_fixture="stream")
def subscribes_one(stack: Stack, evidence: Evidence, symbol: str):
    return subscribe(stack, evidence, [symbol], 1)


@then(parsers.parse("it receives {count:d} updates numbered 1 to {last:d}, only for {first} and {second}"))
def receives(stream, count: int, last: int, first: str, second: str):
    assert stream.error is None, stream.error
    assert [u.sequence for u in stream.updates] == list(range(1, last + 1)), [u.sequence for u in stream.updates]
    assert {u.symbol for u in stream.updates} == {first, second}, {u.symbol for u in stream.updates}


@then("every update has a positive price with the bid below the ask")
def sane_prices(stream):
    from decimal import Decimal
    for u in stream.updates:
        assert Decimal(u.bid) < Decimal(u.ask) and Decimal(u.price) > 0, u


@then(parsers.parse("the stream is refused with {code}"))
def stream_refused(stream, code: str):
    assert stream.error == code, f"stream ended with {stream.error!r} after {len(stream.updates)} updates"


# -- configuration client -------------------------------------------------------------------
@given(parsers.parse('the registry holds "{key}" = {value} as {kind} for the {service}'))
def registry_holds(stack: Stack, registry: RegistryClient, key: str, value: str, kind: str, service: str):
    spec = simulator(stack, service)
    env = stack.definition.services[service].environment.get("ENVIRONMENT", "development")
    reply = registry.set_config(spec.service_name, key, env, {"value": _typed(value, kind), "type": kind})
    assert reply.status_code in (200, 201), reply.text


@when(parsers.parse('the {service} reads "{key}" through its configuration client'), target_fixture="config_reads")
def reads_config(service_probe: ServiceProbe, service: str, key: str):
    return {"service": service, "key": key, "replies": [service_probe.get(service, f"/api/v1/config/{key}").json()]}


@then(parsers.parse("it gets {value} from the registry"))
def gets_from_registry(config_reads, value: str):
    reply = config_reads["replies"][-1]
    assert reply["source"] == "registry" and _same(reply["value"], value), reply


@when(parsers.parse('the registry value of "{key}" for the {service} changes to {value}'))
def changes(stack: Stack, registry: RegistryClient, config_reads, key: str, service: str, value: str):
    spec = simulator(stack, service)
    env = stack.definition.services[service].environment.get("ENVIRONMENT", "development")
    kind = "integer" if value.isdigit() else "number"
    reply = registry.set_config(spec.service_name, key, env, {"value": _typed(value, kind), "type": kind})
    assert reply.status_code == 200, reply.text
    config_reads["changed_at"] = time.time()


@then(parsers.parse("the {service} still answers {value} from its cache"))
def still_cached(service_probe: ServiceProbe, config_reads, service: str, value: str):
    reply = service_probe.get(service, f"/api/v1/config/{config_reads['key']}").json()
    fresh = time.time() - reply["fetched_at_unix"] < reply["ttl_seconds"]
    assert fresh, f"the cache had already expired before this read ({reply}); the TTL is too short to observe"
    assert reply["source"] == "cache" and _same(reply["value"], value), reply


@then(parsers.parse("the {service} answers {value} once its cache TTL has passed, not before"))
def answers_after_ttl(stack: Stack, service_probe: ServiceProbe, config_reads, service: str, value: str):
    key, seen = config_reads["key"], []

    def updated() -> bool:
        reply = service_probe.get(service, f"/api/v1/config/{key}").json()
        seen.append(reply)
        return _same(reply["value"], value)

    wait_until(updated, stack.timing.config_cache_ttl + stack.timing.slack, message=f"{service} to see {key} = {value}")
    first_new = seen[-1]
    stale = [r for r in seen[:-1] if time.time() - r["fetched_at_unix"] > r["ttl_seconds"] + 1]
    assert not stale, f"an old value was served from a cache older than its TTL: {stale[0]}"
    assert first_new["source"] == "registry", first_new


def _typed(value: str, kind: str):
    return int(value) if kind == "integer" else float(value) if kind == "number" else value


def _same(got: object, expected: str) -> bool:
    return isinstance(got, (int, float)) and not isinstance(got, bool) and float(got) == float(expected)
