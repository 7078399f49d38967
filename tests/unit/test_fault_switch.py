"""The runtime fault switch (simulators/common/faults.py): GET/PUT /audit/v1/faults on a router, no server.

A switchable fault turns on and off; a start-only or unknown fault, or a malformed body, is a 422/400 JSON
error and nothing changes (no partial switch)."""
from __future__ import annotations

import json

import pytest

from simulators.common.faults import Faults, add_fault_routes
from simulators.common.http import Request, Router
from simulators.common.responses import ApiError
from simulators.common.settings import ServiceSettings
from simulators.exchange.app import ExchangeDomain

ENV = {"POSTGRES_URL": "postgres://u:p@127.0.0.1:1/d", "REDIS_URL": "redis://127.0.0.1:1/0"}


def _exchange_faults(start: str = "") -> Faults:
    return ServiceSettings.from_env({**ENV, "SIMULATOR_FAULTS": start}, ExchangeDomain.defaults).faults


def _router(faults: Faults) -> Router:
    router = Router()
    add_fault_routes(router, faults)
    return router


def _put(router: Router, payload: object) -> tuple[int, dict]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        reply = router.dispatch(Request("PUT", "/audit/v1/faults", {}, {"content-type": "application/json"}, raw))
    except ApiError as exc:
        return exc.status, {"error": exc.error, "message": exc.message}
    return reply.status, reply.body


def test_a_switchable_fault_turns_on_and_off_and_the_domain_check_sees_it():
    faults = _exchange_faults()
    router = _router(faults)
    assert "stale-price" not in faults
    status, state = _put(router, {"faults": {"stale-price": True}})
    assert status == 200 and state["active"] == ["stale-price"] and "stale-price" in faults
    status, state = _put(router, {"faults": {"stale-price": False}})
    assert status == 200 and state["active"] == [] and "stale-price" not in faults
    reply = router.dispatch(Request("GET", "/audit/v1/faults", {}, {}, b""))
    assert reply.status == 200 and "stale-price" in reply.body["switchable"] and "no-grpc" in reply.body["start_only"]


def test_faults_set_at_start_stay_on_and_a_switchable_one_can_be_turned_off():
    faults = _exchange_faults("no-grpc,errors-500")
    assert {"no-grpc", "errors-500"} <= set(faults)
    status, state = _put(_router(faults), {"faults": {"errors-500": False}})
    assert status == 200 and state["active"] == ["no-grpc"]


@pytest.mark.parametrize(("changes", "code", "words"), [
    ({"stale-price": True, "no-grpc": True}, "start_only_fault", ("no-grpc", "SIMULATOR_FAULTS")),
    ({"stale-price": True, "no-such-fault": True}, "unknown_fault", ("no-such-fault",)),
    ({"stale-price": True, "float-money": "yes"}, "wrong_type", ("float-money",)),
])
def test_a_refused_switch_names_why_and_changes_nothing(changes, code, words):
    faults = _exchange_faults("errors-500")
    status, error = _put(_router(faults), {"faults": changes})
    assert status == 422 and error["error"] == code, error
    assert all(word in error["message"] for word in words), error
    assert set(faults) == {"errors-500"}, "a refused switch changed a fault"


@pytest.mark.parametrize("payload", [b"{not json", b"[]", {}, {"faults": {}}, {"faults": []}, {"faults": None},
                                     {"faults": {"stale-price": True}, "extra": 1}])
def test_a_malformed_body_is_a_4xx_json_error(payload):
    faults = _exchange_faults()
    status, error = _put(_router(faults), payload)
    assert 400 <= status < 500 and error["error"] and error["message"], (status, error)
    assert set(faults) == set()


def test_the_document_names_only_the_switchable_faults():
    faults = _exchange_faults()
    router = _router(faults)
    router.publish_openapi("exchange-simulator audit/control API", "1.0.0")
    document = router.dispatch(Request("GET", "/openapi.json", {}, {}, b"")).body
    operation = document["paths"]["/audit/v1/faults"]["put"]
    schema = json.dumps(operation)
    assert "stale-price" in schema and "no-grpc" not in schema and "422" in operation["responses"]


def test_a_flag_and_a_named_set_follow_the_switch():
    """Code that keeps a flag (the exchange's settlement give-up) or a set (readiness's ignored components)."""
    faults = _exchange_faults()
    give_up, ignored = faults.flag("settlement-no-retry"), faults.named("ready-ignores-{}")
    assert not give_up and "postgres" not in ignored
    faults.switch({"settlement-no-retry": True, "ready-ignores-postgres": True})
    assert give_up and "postgres" in ignored and "redis" not in ignored
    faults.switch({"settlement-no-retry": False, "ready-ignores-postgres": False})
    assert not give_up and "postgres" not in ignored


def test_where_a_variant_runs_is_read_from_the_stack_and_the_simulators_without_starting_them():
    """tests/variants.py: a fault variant goes to the running stack only when the service declares it switchable
    (and serves a control API); a start-only fault, or a service without a control API, keeps a fresh stack."""
    from ..running_stack import declared_switchable
    exchange = declared_switchable("exchange-simulator")
    assert {"stale-price", "errors-500", "no-balance-check"} <= exchange
    assert not exchange & {"no-grpc", "no-usdt", "lifo-book", "metrics-full-path", "no-deregister"}
    assert "never-settles" in declared_switchable("custodian-simulator")
    assert declared_switchable("audit-correlator") == frozenset()  # no AUDIT_PORT on the stack
    assert declared_switchable("redis") == frozenset()
