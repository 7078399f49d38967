"""Custodian chaos injection, on the audit/control API (AUDIT_PORT) only.

    PUT /audit/v1/chaos/settlements  {"delay": true, "fail": true}: delay holds every open settlement where it
                                     is (the worker makes no step); fail ends every settlement that reaches
                                     completion FAILED ("injected settlement failure"); false/false ends both
    plus begin / state / reset (simulators/common/chaos.py): reset ends both.
"""
from __future__ import annotations

from simulators.common import chaos
from simulators.common.http import ApiError, Request, Response, Router

FAILURE_REASON = "injected settlement failure"


class SettlementChaos:
    def __init__(self) -> None:
        self.context = chaos.ChaosContext()
        self.delay = False
        self.fail = False

    def reset(self) -> None:
        self.delay = self.fail = False

    def state(self) -> dict:
        return {"service": "custodian", "baseline": not (self.delay or self.fail) and self.context.scenario_id is None,
                "delay": self.delay, "fail": self.fail}


def add_chaos_routes(router: Router, target: SettlementChaos) -> None:
    chaos.add_chaos_routes(router, target.context, begin=lambda: None, reset=target.reset, state=target.state)

    @router.route("PUT", "/audit/v1/chaos/settlements")
    def settlements(request: Request) -> Response:
        body = request.json_object()
        if not body or set(body) - {"delay", "fail"} or not all(isinstance(v, bool) for v in body.values()):
            raise ApiError(422, "invalid_value", "Give {\"delay\": true|false, \"fail\": true|false} (either or both).")
        target.delay = body.get("delay", target.delay)
        target.fail = body.get("fail", target.fail)
        return Response(200, target.state())
