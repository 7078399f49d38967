"""Custodian chaos injection, on the audit/control API (AUDIT_PORT) only.

    PUT /audit/v1/chaos/settlements  {"delay": true, "fail": true}: delay holds every open settlement where it
                                     is (the worker makes no step); fail ends every settlement that reaches
                                     completion FAILED ("injected settlement failure"); false/false ends both
    plus begin / state / reset (simulators/common/chaos.py): reset ends both.
"""
from __future__ import annotations

from simulators.common import chaos
from simulators.common.contract import Boolean, body
from simulators.common.http import Request, Response, Router

FAILURE_REASON = "injected settlement failure"
SETTLEMENTS = body("Either or both; a field left out keeps its value.", min_fields=1,
                   delay=Boolean(required=False), fail=Boolean(required=False))


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

    @router.route("PUT", "/audit/v1/chaos/settlements", body=SETTLEMENTS)
    def settlements(request: Request) -> Response:
        given = {name: value for name, value in request.data.items() if value is not None}
        target.delay = given.get("delay", target.delay)
        target.fail = given.get("fail", target.fail)
        return Response(200, target.state())
