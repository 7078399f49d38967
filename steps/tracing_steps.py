"""Sentences about W3C trace context across a trading flow and its correlation by the audit correlator."""
from __future__ import annotations

import secrets
import time
from contextlib import suppress
from dataclasses import dataclass

import httpx
import pytest
from pytest_bdd import parsers, then, when

from steps.probes.custodian_trading_flow import FlowAccount
from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.polling import DeadlineExceeded, wait_until
from trading_harness.targets.stack import Stack

CORRELATOR = "audit-correlator"
TIMEOUT = httpx.Timeout(5.0, connect=2.0)


@dataclass
class TracedOrder:
    trace_id: str
    client_span_id: str
    order: dict

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.client_span_id}-01"


@pytest.fixture
def traced_orders() -> list[TracedOrder]:
    return []


@pytest.fixture
def traces() -> dict[str, dict]:
    """trace id -> the audit correlator's grouping of it."""
    return {}


def _send(stack: Stack, evidence: Evidence, account: FlowAccount, side: str, quantity: str, symbol: str) -> TracedOrder:
    traced = TracedOrder(secrets.token_hex(16), secrets.token_hex(8), {})
    body = {"account_id": account.account_id, "symbol": symbol, "side": side, "type": "MARKET", "quantity": quantity}
    reply = http_client.post(stack.http_url(account.exchange) + "/api/v1/orders", json=body,
                       headers={"traceparent": traced.traceparent}, timeout=TIMEOUT)
    evidence.record("http", f"POST {account.exchange}/api/v1/orders {body} traceparent: {traced.traceparent}",
                    f"{reply.status_code} {reply.text[:400]}")
    assert reply.status_code == 201 and reply.json()["status"] == "FILLED", reply.text
    traced.order = reply.json()
    return traced


@when(parsers.parse("the trader sends a market {side} of {quantity} {symbol} with a new sampled traceparent"))
def sends_traced(stack: Stack, evidence: Evidence, flow_account: FlowAccount, traced_orders: list, side: str,
                 quantity: str, symbol: str):
    traced_orders.append(_send(stack, evidence, flow_account, side, quantity, symbol))


@when(parsers.parse("the trader sends {count:d} market {side} orders of {quantity} {symbol}, each with its own "
                    "sampled traceparent"))
def sends_several(stack: Stack, evidence: Evidence, flow_account: FlowAccount, traced_orders: list, count: int,
                  side: str, quantity: str, symbol: str):
    traced_orders.extend(_send(stack, evidence, flow_account, side, quantity, symbol) for _ in range(count))


def _trace(stack: Stack, evidence: Evidence, trace_id: str) -> httpx.Response:
    reply = http_client.get(stack.http_url(CORRELATOR) + f"/api/v1/traces/{trace_id}", timeout=TIMEOUT)
    evidence.record("http", f"GET {CORRELATOR}/api/v1/traces/{trace_id}", f"{reply.status_code} {reply.text[:1500]}")
    return reply


def _dangling(trace: dict, client_span: str) -> list[str]:
    """Spans whose parent the trace does not hold yet: a span is reported when it ends, so an enclosing span
    arrives after its children. A trace is read once none is left (or its deadline passes)."""
    spans = trace.get("spans", {})
    return [span_id for span_id, span in spans.items()
            if span.get("parent_span_id") and span["parent_span_id"] != client_span and span["parent_span_id"] not in spans]


def _services_of(trace: dict) -> set[str]:
    return {span["service_name"] for span in trace.get("spans", {}).values()}


@then(parsers.re(r"within (?P<seconds>\d+) seconds the audit correlator's trace of (?:that|each) traceparent has "
                 r"spans of (?P<services>.+)"))
def trace_has_spans(stack: Stack, evidence: Evidence, traced_orders: list, traces: dict, seconds: str, services: str):
    wanted = {s.strip() for s in services.replace(" and ", ", ").split(",")}
    assert traced_orders, "no traced order was sent"
    deadline = time.monotonic() + int(seconds)
    for traced in traced_orders:
        seen: dict = {}

        def complete(trace_id: str = traced.trace_id, client: str = traced.client_span_id, seen: dict = seen) -> bool:
            reply = _trace(stack, evidence, trace_id)
            seen["trace"] = reply.json() if reply.status_code == 200 else {}
            return wanted <= _services_of(seen["trace"]) and not _dangling(seen["trace"], client)

        with suppress(DeadlineExceeded):
            wait_until(complete, max(0.0, deadline - time.monotonic()), interval=0.2, message="the trace's spans")
        found = seen.get("trace", {})
        assert wanted <= _services_of(found), \
            f"trace {traced.trace_id}: spans of {sorted(_services_of(found))}, missing {sorted(wanted - _services_of(found))}"
        traces[traced.trace_id] = found


def _spans(traces: dict, traced_orders: list, service: str) -> list[tuple[str, dict]]:
    trace = traces[traced_orders[-1].trace_id]
    return [(span_id, span) for span_id, span in trace["spans"].items() if span["service_name"] == service]


@then(parsers.parse("the {service}'s span is a child of the client's span"))
def child_of_client(traces: dict, traced_orders: list, service: str):
    client = traced_orders[-1].client_span_id
    spans = _spans(traces, traced_orders, service)
    assert any(span["parent_span_id"] == client for _, span in spans), \
        f"no span of {service} has the client's span {client} as parent: {spans}"


@then(parsers.parse("every span of {services} descends from the {root}'s span"))
def descends(traces: dict, traced_orders: list, services: str, root: str):
    trace = traces[traced_orders[-1].trace_id]
    roots = {span_id for span_id, span in _spans(traces, traced_orders, root)
             if span["parent_span_id"] == traced_orders[-1].client_span_id}
    assert roots, f"no span of {root} continues the client's span"
    broken = []
    for service in [s.strip() for s in services.replace(" and ", ",").split(",")]:
        for span_id, span in _spans(traces, traced_orders, service):
            seen, parent = set(), span["parent_span_id"]
            while parent and parent not in roots and parent in trace["spans"] and parent not in seen:
                seen.add(parent)
                parent = trace["spans"][parent]["parent_span_id"]
            if parent not in roots:
                broken.append(f"{service} span {span_id} (parent {span['parent_span_id']})")
    assert not broken, f"spans that do not descend from {root}'s span {sorted(roots)}: {broken}"


@then("each trace holds only events with its own trace id, among them the order.placed of its own order")
def grouped_by_trace(traces: dict, traced_orders: list):
    for traced in traced_orders:
        trace = traces[traced.trace_id]
        assert trace["trace_id"] == traced.trace_id and trace["event_count"] == len(trace["events"]), trace
        foreign = [e for e in trace["events"] if e["trace_id"] != traced.trace_id]
        assert not foreign, f"trace {traced.trace_id} holds events of other traces: {foreign[:3]}"
        placed = [(e.get("metadata") or {}).get("order_id") for e in trace["events"] if e["event_type"] == "order.placed"]
        assert placed == [traced.order["order_id"]], f"trace {traced.trace_id}: order.placed of {placed}"


@then("an unknown trace id gets 404 and a malformed one 422")
def unknown_and_malformed(stack: Stack, evidence: Evidence):
    assert _trace(stack, evidence, secrets.token_hex(16)).status_code == 404
    assert _trace(stack, evidence, "not-a-trace-id").status_code == 422
