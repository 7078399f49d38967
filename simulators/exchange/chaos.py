"""Exchange chaos injection, on the audit/control API (AUDIT_PORT) only.

    PUT /audit/v1/chaos/downtime  {"down": true} -> the production trading API answers 503 exchange_unavailable
                                  (health, readiness and metrics still answer); {"down": false} recovers
    plus begin / state / reset (simulators/common/chaos.py): reset brings the exchange back up.
"""
from __future__ import annotations

from simulators.common import chaos
from simulators.common.contract import Boolean, body
from simulators.common.http import ApiError, Request, Response, Router

STILL_SERVED = ("/api/v1/health", "/api/v1/ready", "/metrics", "/api/v1/adapter")
DOWNTIME = body("true: the trading API answers 503; false: it recovers.", down=Boolean())


class Downtime:
    def __init__(self) -> None:
        self.context = chaos.ChaosContext()
        self.down = False
        self.refused = 0  # requests answered 503 while down

    def guard(self, dispatch):
        """The production router's dispatch, refusing the trading API while down."""
        def guarded(request: Request) -> Response:
            if self.down and request.path.startswith("/api/v1/") and not request.path.startswith(STILL_SERVED):
                self.refused += 1
                raise ApiError(503, "exchange_unavailable", "The exchange is down (injected downtime); retry later.",
                               headers={"Retry-After": "1"})
            return dispatch(request)
        return guarded

    def reset(self) -> None:
        self.down = False

    def state(self) -> dict:
        return {"service": "exchange", "baseline": not self.down and self.context.scenario_id is None,
                "down": self.down, "refused": self.refused}


def add_chaos_routes(router: Router, downtime: Downtime) -> None:
    chaos.add_chaos_routes(router, downtime.context, begin=lambda: None, reset=downtime.reset, state=downtime.state)

    @router.route("PUT", "/audit/v1/chaos/downtime", body=DOWNTIME)
    def set_down(request: Request) -> Response:
        downtime.down = request.data["down"]
        return Response(200, downtime.state())
