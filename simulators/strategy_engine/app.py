"""Strategy-engine routes.

Production API (HTTP_PORT):
    GET /api/v1/strategy        {account_id, symbol, quantity, interval_seconds, orders_per_tick, accepted,
                                 rejected: {error code: count}, last_rejection}

Audit/control API (AUDIT_PORT):
    PUT /audit/v1/chaos/runaway {"orders_per_tick": 20} -> a runaway algorithm (1 is normal)
    plus begin / state / reset (simulators/common/chaos.py): reset puts orders_per_tick back at 1.

Domain variables: EXCHANGE_URL, EXCHANGE_AUDIT_URL (funding), STRATEGY_SYMBOL (BTC/USD),
STRATEGY_QUANTITY (0.001), STRATEGY_INTERVAL (1s).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from simulators.common import chaos
from simulators.common.config import ConfigError
from simulators.common.contract import Integer, body
from simulators.common.http import Request, Response, Router
from simulators.common.service import Domain
from simulators.common.settings import Defaults

from .trader import Trader

MAX_ORDERS_PER_TICK = 200
RUNAWAY = body("Orders per tick: 1 is normal.", orders_per_tick=Integer(minimum=1, maximum=MAX_ORDERS_PER_TICK))


class StrategyDomain(Domain):
    defaults = Defaults(service_name="trading-strategy-engine", namespace="trading")

    def __init__(self, app):
        super().__init__(app)
        env = app.settings.env
        raw = env.string("STRATEGY_QUANTITY", "0.001")
        try:
            quantity = Decimal(raw)
        except InvalidOperation:
            raise ConfigError("STRATEGY_QUANTITY", "a positive decimal", raw) from None
        if not quantity.is_finite() or quantity <= 0:
            raise ConfigError("STRATEGY_QUANTITY", "a positive decimal", raw)
        self.trader = Trader(env.url("EXCHANGE_URL", schemes=("http", "https")),
                             env.url("EXCHANGE_AUDIT_URL", schemes=("http", "https")), app.settings.instance,
                             env.string("STRATEGY_SYMBOL", "BTC/USD"), quantity,
                             env.duration("STRATEGY_INTERVAL", "1s", allow_zero=False))
        self.context = chaos.ChaosContext()

    def start(self) -> None:
        self.trader.start()

    def stop(self) -> None:
        self.trader.stop()

    def routes(self, router: Router) -> None:
        @router.route("GET", "/api/v1/strategy")
        def strategy(_: Request) -> Response:
            return Response(200, self.trader.describe())

    def audit_routes(self, router: Router) -> None:
        trader = self.trader

        def reset() -> None:
            trader.orders_per_tick = 1

        def state() -> dict:
            return {"service": "trading-strategy-engine",
                    "baseline": trader.orders_per_tick == 1 and self.context.scenario_id is None,
                    "orders_per_tick": trader.orders_per_tick, "account_id": trader.account_id}

        chaos.add_chaos_routes(router, self.context, begin=lambda: None, reset=reset, state=state)

        @router.route("PUT", "/audit/v1/chaos/runaway", body=RUNAWAY)
        def runaway(request: Request) -> Response:
            trader.orders_per_tick = request.data["orders_per_tick"]
            return Response(200, state())

    def grpc(self, server) -> None:
        """No domain gRPC service: health and reflection only."""
