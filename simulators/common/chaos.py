"""Chaos bookkeeping every simulator's control API shares: the scenario in progress and its trace context.

    POST /audit/v1/chaos/begin   {"scenario_id", "traceparent"?} -> the service notes its baseline
    GET  /audit/v1/chaos         {"scenario_id", "trace_id", "baseline": bool, ...the service's own state}
    POST /audit/v1/chaos/reset   -> back at the baseline; answers the state (baseline true)

A service supplies three callables: begin (note the baseline), reset (restore it), state (its own fields,
with "baseline").
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable

from .contract import Text, body
from .http import ApiError, Request, Response, Router

TRACEPARENT = re.compile(r"^00-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-[0-9a-f]{2}$")
BEGIN = body("The scenario a service takes part in; traceparent (or the header of that name) links its events.",
             scenario_id=Text(max_len=64),
             traceparent=Text(required=False, max_len=55, pattern="00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}",
                              description="a W3C traceparent"))


def trace_id(traceparent: str | None) -> str | None:
    """The trace id of a W3C traceparent header, None when absent or malformed."""
    m = TRACEPARENT.match((traceparent or "").strip())
    return m["trace"] if m else None


class ChaosContext:
    """The scenario a service is part of (set by begin, cleared by reset)."""

    def __init__(self) -> None:
        self.scenario_id: str | None = None
        self.trace_id: str | None = None
        self.lock = threading.RLock()

    def describe(self) -> dict:
        return {"scenario_id": self.scenario_id, "trace_id": self.trace_id}


def add_chaos_routes(router: Router, context: ChaosContext, *, begin: Callable[[], None],
                     reset: Callable[[], None], state: Callable[[], dict]) -> None:
    """The begin/state/reset routes of one service's chaos control API."""
    def describe() -> dict:
        return {**context.describe(), **state()}

    @router.route("POST", "/audit/v1/chaos/begin", body=BEGIN)
    def begin_route(request: Request) -> Response:
        scenario = request.data["scenario_id"]
        parent = request.data["traceparent"] or request.headers.get("traceparent")
        if parent and trace_id(parent) is None:
            raise ApiError(422, "invalid_value", "traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>).")
        with context.lock:
            if context.scenario_id is None:
                begin()
            context.scenario_id, context.trace_id = scenario, trace_id(parent)
        return Response(200, describe())

    @router.route("GET", "/audit/v1/chaos")
    def state_route(_: Request) -> Response:
        return Response(200, describe())

    @router.route("POST", "/audit/v1/chaos/reset")
    def reset_route(_: Request) -> Response:
        with context.lock:
            reset()
            context.scenario_id = context.trace_id = None
        return Response(200, describe())
