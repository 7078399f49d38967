"""The chaos control APIs refuse bad requests with a JSON 4xx and change nothing; they are not on production ports."""
from __future__ import annotations

import httpx
import pytest

from trading_harness.definition import StackDefinition
from trading_harness.targets.embedded import EmbeddedStack

MARKET, EXCHANGE, CUSTODIAN = "market-data-simulator", "exchange-binance", "custodian-simulator"
STRATEGY, RISK, COORDINATOR = "trading-strategy-engine", "risk-monitor", "test-coordinator"
BAD = [
    (MARKET, "POST", "/audit/v1/chaos/shock", {"percent": -15.5}, 422),  # a fraction as a JSON number
    (MARKET, "POST", "/audit/v1/chaos/shock", {"percent": "-15.123456789"}, 422),
    (MARKET, "POST", "/audit/v1/chaos/shock", {"percent": "-100"}, 422),
    (MARKET, "PUT", "/audit/v1/chaos/disruption", {"latency_ms": "2000"}, 422),
    (MARKET, "PUT", "/audit/v1/chaos/disruption", {"corrupt": "yes"}, 422),
    (MARKET, "PUT", "/audit/v1/chaos/disruption", {"latency_ms": 10, "extra": 1}, 422),
    (EXCHANGE, "PUT", "/audit/v1/chaos/downtime", {"down": "true"}, 422),
    (EXCHANGE, "PUT", "/audit/v1/chaos/downtime", [True], 422),
    (CUSTODIAN, "PUT", "/audit/v1/chaos/settlements", {}, 422),
    (CUSTODIAN, "PUT", "/audit/v1/chaos/settlements", {"fail": 1}, 422),
    (STRATEGY, "PUT", "/audit/v1/chaos/runaway", {"orders_per_tick": 0}, 422),
    (STRATEGY, "PUT", "/audit/v1/chaos/runaway", {"orders_per_tick": 1000}, 422),
    (RISK, "POST", "/audit/v1/chaos/begin", {"scenario_id": "s", "traceparent": "00-xyz"}, 422),
    (RISK, "POST", "/audit/v1/chaos/begin", {}, 422),
]


@pytest.fixture(scope="module")
def stack():
    stack = EmbeddedStack.up(StackDefinition.load(), only=[COORDINATOR])
    yield stack
    stack.close()


@pytest.mark.parametrize("service, method, path, body, status", BAD)
def test_a_bad_control_request_is_a_json_4xx_and_changes_nothing(stack, service, method, path, body, status):
    base = stack.audit_url(service)
    before = httpx.get(f"{base}/audit/v1/chaos", timeout=5).json()
    reply = httpx.request(method, base + path, json=body, timeout=5)
    assert reply.status_code == status and "error" in reply.json(), reply.text
    after = httpx.get(f"{base}/audit/v1/chaos", timeout=5).json()
    assert after["baseline"] and {k: v for k, v in after.items() if k != "feed_sequences"} == \
        {k: v for k, v in before.items() if k != "feed_sequences"}


def test_bad_queries_of_the_risk_monitor_and_the_correlator(stack):
    assert httpx.get(f"{stack.http_url(RISK)}/api/v1/alerts?active=maybe", timeout=5).status_code == 422
    assert httpx.get(f"{stack.http_url(RISK)}/api/v1/alerts/nope", timeout=5).status_code == 404
    assert httpx.get(f"{stack.http_url('audit-correlator')}/api/v1/correlations/none", timeout=5).status_code == 404


@pytest.mark.parametrize("service", [MARKET, EXCHANGE, CUSTODIAN, STRATEGY, RISK])
def test_control_routes_are_not_on_the_production_port(stack, service):
    reply = httpx.post(f"{stack.http_url(service)}/audit/v1/chaos/reset", timeout=5)
    assert reply.status_code == 404, reply.text


FAULT_SWITCH_BAD = [
    ({"faults": {"errors-500": True, "no-grpc": True}}, "start_only_fault"),  # acts only at start
    ({"faults": {"errors-500": True, "no-such-fault": True}}, "unknown_fault"),
    ({"faults": {"errors-500": "on"}}, "wrong_type"),
    ({"faults": {}}, "invalid_value"),
    ({"faults": ["errors-500"]}, "wrong_type"),
    ({"errors-500": True}, "unknown_field"),
]


@pytest.mark.parametrize("body, code", FAULT_SWITCH_BAD)
def test_a_bad_fault_switch_is_a_json_4xx_and_switches_nothing(stack, body, code):
    base = stack.audit_url(EXCHANGE)
    before = httpx.get(f"{base}/audit/v1/faults", timeout=5).json()
    reply = httpx.put(f"{base}/audit/v1/faults", json=body, timeout=5)
    assert reply.status_code == 422 and reply.json()["error"] == code, reply.text
    if code == "start_only_fault":
        assert "SIMULATOR_FAULTS" in reply.json()["message"] and "no-grpc" in reply.json()["message"]
    assert httpx.get(f"{base}/audit/v1/faults", timeout=5).json() == before


def test_a_fault_switched_on_a_running_service_breaks_it_until_switched_off(stack):
    """errors-500 on: a malformed order is a 500 on the production port; off again: the 4xx it should be."""
    base, api = stack.audit_url(EXCHANGE), stack.http_url(EXCHANGE)
    malformed = lambda: httpx.post(f"{api}/api/v1/orders", json={"symbol": 1}, timeout=5).status_code  # noqa: E731
    assert malformed() == 422
    try:
        on = httpx.put(f"{base}/audit/v1/faults", json={"faults": {"errors-500": True}}, timeout=5)
        assert on.status_code == 200 and on.json()["active"] == ["errors-500"], on.text
        assert malformed() == 500
    finally:
        off = httpx.put(f"{base}/audit/v1/faults", json={"faults": {"errors-500": False}}, timeout=5)
    assert off.status_code == 200 and off.json()["active"] == [], off.text
    assert malformed() == 422


def test_the_fault_switch_is_not_on_the_production_port(stack):
    assert httpx.get(f"{stack.http_url(EXCHANGE)}/audit/v1/faults", timeout=5).status_code == 404
