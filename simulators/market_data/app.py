"""Market-data routes and gRPC servicer.

    GET  /api/v1/prices                 every symbol's current price
    GET  /api/v1/prices/{base}/{quote}  one symbol {symbol, price, bid, ask, timestamp}; 404 if unknown
    GET  /api/v1/symbols                the active symbols (market_data.symbols)
    POST /api/v1/snapshots              snapshot a symbol's price into market_data.market_snapshots -> 201
    GET  /api/v1/snapshots/{id}
    gRPC trading.marketdata.v1.MarketData/GetPrice, StreamPrices (server streaming)

Domain variables: DEFAULT_SYMBOLS, PRICE_UPDATE_INTERVAL, PRICE_SIGMA, PRICE_SEED, SPREAD_BPS.
"""
from __future__ import annotations

import logging
import threading
from decimal import Decimal, InvalidOperation

import grpc

from simulators.common import fields
from simulators.common.config import ConfigError
from simulators.common.database import DatabaseUnavailable
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from .feed import PriceFeed, Quote
from .repository import MarketDataRepository

pb, pb_grpc = load("market_data")
log = logging.getLogger("market-data")
DEFAULT_SYMBOLS = "BTC/USD,ETH/USD,ADA/USD,SOL/USD,DOT/USD"


def _symbols(env) -> tuple[str, ...]:
    raw = env.string("DEFAULT_SYMBOLS", DEFAULT_SYMBOLS)
    items = tuple(item.strip() for item in raw.split(","))
    if any(not fields.SYMBOL.match(item) for item in items) or len(set(items)) != len(items):
        raise ConfigError("DEFAULT_SYMBOLS", "a comma-separated list of distinct symbols like BTC/USD,ETH/USD", raw)
    return items


def _decimal(env, name: str, default: str) -> Decimal:
    raw = env.string(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(name, "a non-negative decimal number", raw) from None
    if not value.is_finite() or value < 0:
        raise ConfigError(name, "a non-negative decimal number", raw)
    return value


class MarketDataDomain(Domain):
    defaults = Defaults(service_name="market-data-simulator", namespace="market_data")

    def __init__(self, app):
        super().__init__(app)
        env = app.settings.env
        seed = env.string("PRICE_SEED", "-")
        if seed != "-" and not seed.lstrip("-").isdigit():
            raise ConfigError("PRICE_SEED", "an integer", seed)
        self.feed = PriceFeed(
            _symbols(env), env.duration("PRICE_UPDATE_INTERVAL", "1s", allow_zero=False),
            sigma=float(_decimal(env, "PRICE_SIGMA", "0.001")), spread_bps=_decimal(env, "SPREAD_BPS", "10"),
            seed=None if seed == "-" else int(seed))
        self.repository = MarketDataRepository(app.db)
        self.stopping = threading.Event()
        self.updates = app.metrics.counter("market_data_price_updates_total", "Prices published by the feed.")
        self.subscribers = app.metrics.gauge("market_data_stream_subscribers", "Open StreamPrices streams.")

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self.feed.start()
        threading.Thread(target=self._seed_symbols, name="seed-symbols", daemon=True).start()
        threading.Thread(target=self._count_updates, name="feed-metrics", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.feed.stop()

    def _seed_symbols(self) -> None:
        """Seed market_data.symbols once PostgreSQL answers (it may be down at start)."""
        while not self.stopping.is_set():
            try:
                self.repository.seed_symbols(self.feed.symbols)
                log.info("symbols seeded", extra={"symbols": ",".join(self.feed.symbols)})
                return
            except (DatabaseUnavailable, Exception) as exc:  # noqa: BLE001 - retried
                log.warning("cannot seed symbols yet", extra={"error": str(exc)})
                self.stopping.wait(self.app.settings.ready_check_interval)

    def _count_updates(self) -> None:
        seen = 0
        labels = self.app.metrics.constant
        while not self.stopping.wait(self.feed.interval):
            ticks = self.feed.ticks
            self.updates.labels(**labels).inc((ticks - seen) * len(self.feed.symbols))
            seen = ticks

    # -- HTTP -----------------------------------------------------------------------
    def routes(self, router: Router) -> None:
        @router.route("GET", "/api/v1/prices")
        def prices(_: Request) -> Response:
            return Response(200, {"prices": [q.as_json() for q in self.feed.quotes()]})

        @router.route("GET", "/api/v1/prices/{base}/{quote}")
        def price(request: Request) -> Response:
            return Response(200, self._quote(f"{request.params['base']}/{request.params['quote']}").as_json())

        @router.route("GET", "/api/v1/symbols")
        def symbols(_: Request) -> Response:
            return Response(200, {"symbols": self.repository.active_symbols()})

        @router.route("POST", "/api/v1/snapshots")
        def snapshot(request: Request) -> Response:
            body = request.json_object()
            fields.only(body, ("symbol",))
            quote = self._quote(fields.text(body, "symbol", max_len=21))
            return Response(201, self.repository.create_snapshot(quote))

        fields.add_lookup(router, "/api/v1/snapshots/{id}", self.repository.get_snapshot, "snapshot")

    def _quote(self, symbol: str) -> Quote:
        quote = self.feed.quote(symbol)
        if quote is None:
            raise ApiError(404, "unknown_symbol", f"No price feed for {symbol!r}; known: {', '.join(self.feed.symbols)}.")
        return quote

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_MarketDataServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["MarketData"].full_name)


def _message(quote: Quote, sequence: int = 0):
    return pb.Price(symbol=quote.symbol, price=str(quote.price), bid=str(quote.bid), ask=str(quote.ask),
                    timestamp_ns=quote.timestamp_ns, sequence=sequence)


class _Servicer(pb_grpc.MarketDataServicer):
    def __init__(self, domain: MarketDataDomain):
        self.domain = domain
        self.feed = domain.feed

    def GetPrice(self, request, context):  # noqa: N802 - gRPC method name
        quote = self.feed.quote(request.symbol)
        if quote is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no price feed for {request.symbol!r}")
        return _message(quote)

    def StreamPrices(self, request, context):  # noqa: N802
        symbols = list(request.symbols) or list(self.feed.symbols)
        unknown = [s for s in symbols if self.feed.quote(s) is None]
        if unknown:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no price feed for {', '.join(unknown)}")
        if request.interval_ms < 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "interval_ms must not be negative")
        interval = request.interval_ms / 1000 if request.interval_ms else self.feed.interval
        limit, sequence = request.max_updates, 0
        gauge = self.domain.subscribers.labels(**self.domain.app.metrics.constant)
        gauge.inc()
        cache: dict[tuple[str, int], object] = {}
        try:
            while context.is_active() and not self.domain.stopping.is_set():
                for quote in self.feed.quotes(symbols):
                    sequence += 1
                    key = (quote.symbol, quote.timestamp_ns)
                    message = cache.get(key)
                    if message is None:
                        if len(cache) > 4 * len(symbols):
                            cache.clear()
                        message = cache[key] = _message(quote)
                    reply = pb.Price()
                    reply.CopyFrom(message)
                    reply.sequence = sequence
                    yield reply
                    if limit and sequence >= limit:
                        return
                if interval >= 0.0005:
                    self.domain.stopping.wait(interval)
        finally:
            gauge.dec()
