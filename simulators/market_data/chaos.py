"""Market-data chaos injection, on the audit/control API (AUDIT_PORT) only.

    POST /audit/v1/chaos/shock        {"percent": "-15"} -> every walked symbol moves at once (one publish lock)
    PUT  /audit/v1/chaos/disruption   {"latency_ms": 300, "corrupt": true} -> quotes leave latency_ms old
                                      and/or crossed (bid above ask); {"latency_ms": 0, "corrupt": false} ends it
    plus begin / state / reset (simulators/common/chaos.py): begin notes every price, the pause and the tick
    interval; reset publishes the noted prices again, ends the disruption, resumes the feed at its interval.
"""
from __future__ import annotations

from decimal import Decimal

from simulators.common import chaos
from simulators.common.contract import Boolean, Integer, body
from simulators.common.http import ApiError, Request, Response, Router

from .audit import SHOCK
from .feed import PriceFeed

MAX_LATENCY_MS = 60_000
DISRUPTION = body("Quotes leave latency_ms old and/or crossed; 0 and false end it.",
                  latency_ms=Integer(required=False, default=0, maximum=MAX_LATENCY_MS),
                  corrupt=Boolean(required=False, default=False))


class FeedChaos:
    def __init__(self, feed: PriceFeed):
        self.feed = feed
        self.context = chaos.ChaosContext()
        self.interval = feed.interval  # the configured tick (PRICE_UPDATE_INTERVAL)
        self.prices: dict[str, Decimal] = {}  # noted by begin
        self.reset_sequences: dict[str, int] = {}  # the feed_sequence of each quote the last reset published

    def begin(self) -> None:
        with self.feed.lock:
            self.prices = {q.symbol: q.price for q in self.feed.quotes((*self.feed.symbols, *self.feed.pegged))}

    def reset(self) -> None:
        feed = self.feed
        with feed.lock:
            feed.latency_ns, feed.corrupt = 0, False
            self.reset_sequences = {s: feed.publish(s, price).feed_sequence for s, price in self.prices.items()}
            self.prices = {}
        feed.set_paused(False)
        if feed.interval != self.interval:
            feed.set_interval(self.interval)

    def state(self) -> dict:
        feed = self.feed
        disrupted = feed.latency_ns > 0 or feed.corrupt or feed.paused or feed.interval != self.interval
        return {"service": "market-data", "baseline": not disrupted and self.context.scenario_id is None,
                "latency_ms": feed.latency_ns // 1_000_000, "corrupt": feed.corrupt, "paused": feed.paused,
                "interval_seconds": feed.interval, "noted_prices": {s: str(p) for s, p in self.prices.items()},
                "reset_sequences": self.reset_sequences}


def add_chaos_routes(router: Router, target: FeedChaos) -> None:
    chaos.add_chaos_routes(router, target.context, begin=target.begin, reset=target.reset, state=target.state)

    @router.route("POST", "/audit/v1/chaos/shock", body=SHOCK)
    def shock(request: Request) -> Response:
        percent = request.data["percent"]
        if not Decimal(-100) < percent <= Decimal(1000):
            raise ApiError(422, "invalid_value", "The field 'percent' must be above -100 and at most 1000.")
        return Response(200, {"quotes": [q.as_json() for q in target.feed.shock_all(percent)]})

    @router.route("PUT", "/audit/v1/chaos/disruption", body=DISRUPTION)
    def disruption(request: Request) -> Response:
        latency, corrupt = request.data["latency_ms"], request.data["corrupt"]
        with target.feed.lock:
            target.feed.latency_ns, target.feed.corrupt = latency * 1_000_000, corrupt
        return Response(200, target.state())
