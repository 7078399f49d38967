"""Market-data routes, gRPC servicer and background work.

    GET  /api/v1/prices                          every symbol's current price
    GET  /api/v1/prices/{base}/{quote}           {symbol, price, bid, ask, timestamp, timestamp_ns, feed_sequence};
                                                 404 JSON if unknown
    GET  /api/v1/prices/{base}/{quote}/history   ?limit=N (1..PRICE_HISTORY_LENGTH, default 100): newest first,
                                                 from Redis market_data:history:<symbol>
    GET  /api/v1/symbols                         the active symbols (market_data.symbols)
    POST /api/v1/snapshots                       snapshot a symbol's price into market_data.market_snapshots -> 201
    GET  /api/v1/snapshots/{id}
    gRPC trading.marketdata.v1.MarketData/GetPrice, StreamPrices, StreamScenario (server streaming)
    Audit/control API on AUDIT_PORT: see audit.py.

Every published quote goes, without blocking the feed, to the StreamPrices subscribers (fanout.py),
the Redis history (history.py), market_data.price_feeds (batched) and the open candles (candles.py).

Domain variables: DEFAULT_SYMBOLS, PRICE_UPDATE_INTERVAL (1s), PRICE_SIGMA (0.001), PRICE_SEED (none),
SPREAD_BPS (10), PRICE_HISTORY_LENGTH (1000), CANDLE_INTERVAL (1m), CANDLE_LABEL (the label of
CANDLE_INTERVAL, else 1m), SNAPSHOT_INTERVAL (5m; not compressed, the audit API changes it),
STREAM_QUEUE_SIZE (1000), PRICE_WRITE_QUEUE (10000).
Domain faults: spread-drift, drop-every-10th.
"""
from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal, InvalidOperation

import grpc

from simulators.common import fields
from simulators.common.config import ConfigError
from simulators.common.contract import Digits, Text, body
from simulators.common.database import DatabaseUnavailable
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.openapi import shape
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from . import scenarios
from .audit import add_audit_routes
from .candles import CANDLE_LABELS, CandleBook, label_for
from .chaos import FeedChaos, add_chaos_routes
from .fanout import Hub
from .feed import PriceFeed, Quote
from .history import History
from .repository import MarketDataRepository
from .writer import BatchWriter

pb, pb_grpc = load("market_data")
log = logging.getLogger("market-data")
SNAPSHOT = body("A snapshot of one quoted symbol.", symbol=Text(max_len=21, description="e.g. BTC/USD"))
DEFAULT_SYMBOLS = "BTC/USD,ETH/USD,ADA/USD,SOL/USD,DOT/USD"
# spread-drift: the spread widens 2% per tick; drop-every-10th: subscribers silently miss every 10th update;
# late-fanout: every streamed update held until LATE_FANOUT after the feed produced it; late-feed: the first tick
# 3 s after start; audit-on-production: the audit routes on the production port too; naive-scenarios:
# StreamScenario checks nothing, follows the live price.
FAULTS = ("spread-drift", "drop-every-10th", "late-fanout", "late-feed", "audit-on-production", "naive-scenarios",
          "no-audit-routes")
SWITCHABLE = ("drop-every-10th", "late-fanout", "naive-scenarios")  # checked per stream (the others act at start)
LATE_FANOUT = 1.0  # seconds: beyond the embedded stack's bounds (50 ms at p99; three 50 ms intervals + 0.5 s)


def _symbols(env, name: str = "DEFAULT_SYMBOLS", default: str = DEFAULT_SYMBOLS) -> tuple[str, ...]:
    raw = env.string(name, default)
    items = tuple(item.strip() for item in raw.split(","))
    if not default:  # an optional list: empty means none
        items = tuple(item for item in items if item)
    if any(not fields.SYMBOL.match(item) for item in items) or len(set(items)) != len(items):
        raise ConfigError(name, "a comma-separated list of distinct symbols like BTC/USD,ETH/USD", raw)
    return items


def _only(symbols: set[str], listener):
    """The listener, called for quotes of these symbols only."""
    return lambda quote: listener(quote) if quote.symbol in symbols else None


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
    defaults = Defaults(service_name="market-data-simulator", namespace="market_data", faults=FAULTS,
                        switchable=SWITCHABLE)

    def __init__(self, app):
        super().__init__(app)
        env, faults = app.settings.env, app.settings.faults
        seed = env.string("PRICE_SEED", "-")
        if seed != "-" and not seed.lstrip("-").isdigit():
            raise ConfigError("PRICE_SEED", "an integer", seed)
        self.feed = PriceFeed(
            _symbols(env), env.duration("PRICE_UPDATE_INTERVAL", "1s", allow_zero=False),
            sigma=float(_decimal(env, "PRICE_SIGMA", "0.001")), spread_bps=_decimal(env, "SPREAD_BPS", "10"),
            seed=None if seed == "-" else int(seed), spread_drift="spread-drift" in faults,
            pegged=_symbols(env, "PEGGED_SYMBOLS", ""))
        self.candle_seconds = env.duration("CANDLE_INTERVAL", "1m", allow_zero=False)
        self.candle_label = env.choice("CANDLE_LABEL", label_for(self.candle_seconds), CANDLE_LABELS)
        self.snapshot_seconds = env.duration("SNAPSHOT_INTERVAL", "5m", allow_zero=False)
        self._snapshot_wake = threading.Event()
        self.repository = MarketDataRepository(app.db)
        self.history = History(app.cache, env.integer("PRICE_HISTORY_LENGTH", 1000, minimum=1, maximum=1_000_000))
        self.stopping = threading.Event()
        self.streams = 0
        self._streams_lock = threading.Lock()
        constant = app.metrics.constant
        self.updates = app.metrics.counter("market_data_price_updates_total",
                                           "Prices published by the feed.").labels(**constant)
        self.subscribers = app.metrics.gauge("market_data_stream_subscribers",
                                             "Open StreamPrices streams.").labels(**constant)
        self.slow_dropped = app.metrics.counter("market_data_stream_subscribers_dropped_total",
                                                "StreamPrices subscribers dropped for a full queue.").labels(**constant)
        dropped = app.metrics.counter("market_data_writes_dropped_total",
                                      "Published prices not stored (queue full or store down).", ("store",))
        self.hub = Hub(env.integer("STREAM_QUEUE_SIZE", 1000, minimum=1, maximum=1_000_000),
                       drop_every=lambda: 10 if "drop-every-10th" in faults else 0,
                       on_overflow=lambda sub: self.slow_dropped.inc())
        max_queue = env.integer("PRICE_WRITE_QUEUE", 10_000, minimum=1, maximum=10_000_000)
        self.history_writer = BatchWriter("history", self.history.write, max_queue=max_queue,
                                          on_drop=dropped.labels(store="redis", **constant).inc)
        self.price_writer = BatchWriter("price-feeds", self.repository.publish_prices, max_queue=max_queue,
                                        on_drop=dropped.labels(store="postgres", **constant).inc)
        self.candles = CandleBook(self.feed.quotes(), time.time_ns())
        walked = set(self.feed.symbols)  # pegged symbols (PEGGED_SYMBOLS) are streamed and served, not stored
        self.feed.listeners += [self._counted, self.hub, *(_only(walked, listener) for listener in (
            self.history_writer.offer, self.price_writer.offer, self.candles.observe))]
        self.chaos = FeedChaos(self.feed)

    def _counted(self, _: Quote) -> None:
        self.updates.inc()

    def streams_opened(self, change: int) -> None:
        """Count an opened (+1) or closed (-1) StreamPrices stream, in the gauge and the audit state."""
        with self._streams_lock:
            self.streams += change
            self.subscribers.set(self.streams)

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self._clear_history()
        self.history_writer.start()
        self.price_writer.start()
        self.feed.start(first_tick_after=3.0 if "late-feed" in self.app.settings.faults else None)
        threading.Thread(target=self._seed_symbols, name="seed-symbols", daemon=True).start()
        threading.Thread(target=self._close_candles, name="candles", daemon=True).start()
        threading.Thread(target=self._snapshots, name="snapshots", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self._snapshot_wake.set()
        self.feed.stop()
        self.history_writer.stop()
        self.price_writer.stop()

    def _clear_history(self) -> None:
        """A new run starts its feed_sequence at 1: the previous run's history goes (if Redis answers)."""
        try:
            self.app.cache.client.delete(*(self.history.key(s) for s in self.feed.symbols))
        except Exception as exc:  # noqa: BLE001 - Redis down: stub mode, the history writer drops
            log.warning("cannot clear the price history", extra={"error": str(exc)})

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

    def _close_candles(self) -> None:
        """Every CANDLE_INTERVAL: close each symbol's candle (PublishCandle)."""
        due = time.monotonic() + self.candle_seconds
        while not self.stopping.wait(max(0.0, due - time.monotonic())):
            due += self.candle_seconds
            candles = self.candles.close(time.time_ns())
            try:
                self.repository.publish_candles(candles, self.candle_label, self.candle_seconds)
            except Exception as exc:  # noqa: BLE001 - stub mode: the candle is lost, the feed goes on
                log.debug("candles not stored", extra={"error": str(exc).splitlines()[0] if str(exc) else ""})

    def set_snapshot_interval(self, seconds: float) -> None:
        self.snapshot_seconds = seconds
        self._snapshot_wake.set()

    def _snapshots(self) -> None:
        """Every SNAPSHOT_INTERVAL (changeable through the audit API): a market snapshot per symbol (CreateSnapshot)."""
        while not self.stopping.is_set():
            if self._snapshot_wake.wait(self.snapshot_seconds):
                self._snapshot_wake.clear()  # a new interval: the next snapshot is one new interval away
                continue
            try:
                self.repository.publish_snapshots(self.feed.quotes())
            except Exception as exc:  # noqa: BLE001 - stub mode: the snapshot is lost
                log.debug("snapshots not stored", extra={"error": str(exc).splitlines()[0] if str(exc) else ""})

    def state(self) -> dict:
        feed = self.feed
        return {"paused": feed.paused, "interval_seconds": feed.interval, "spread_bps": str(feed.spread_bps),
                "sigma": feed.sigma, "seed": feed.seed, "subscribers": self.streams, "published": feed.published,
                "ticks": feed.ticks, "faults": sorted(self.app.settings.faults),
                "history_length": self.history.length, "candle_interval_seconds": self.candle_seconds,
                "candle_label": self.candle_label, "snapshot_interval_seconds": self.snapshot_seconds,
                "writes_dropped": {"redis": self.history_writer.dropped, "postgres": self.price_writer.dropped},
                "symbols": {q.symbol: q.as_json() for q in feed.quotes()},
                "pegged": {q.symbol: q.as_json() for q in feed.quotes(feed.pegged)} if feed.pegged else {}}

    # -- HTTP -----------------------------------------------------------------------
    def routes(self, router: Router) -> None:
        @router.route("GET", "/api/v1/prices")
        def prices(_: Request) -> Response:
            return Response(200, {"prices": [q.as_json() for q in self.feed.quotes()]})

        @router.route("GET", "/api/v1/prices/{base}/{quote}",
                      returns=shape(symbol="string", price="string", bid="string", ask="string", timestamp="string",
                                    timestamp_ns="integer", feed_sequence="integer"))
        def price(request: Request) -> Response:
            return Response(200, self._quote(f"{request.params['base']}/{request.params['quote']}").as_json())

        limit = Digits(required=False, default=min(100, self.history.length), minimum=1, maximum=self.history.length)

        @router.route("GET", "/api/v1/prices/{base}/{quote}/history", query={"limit": limit})
        def history(request: Request) -> Response:
            """The symbol's latest quotes, newest first, from Redis."""
            symbol = self._quote(f"{request.params['base']}/{request.params['quote']}").symbol
            return Response(200, {"symbol": symbol, "history": self.history.read(symbol, request.values["limit"])})

        @router.route("GET", "/api/v1/symbols")
        def symbols(_: Request) -> Response:
            return Response(200, {"symbols": self.repository.active_symbols()})

        @router.route("POST", "/api/v1/snapshots", body=SNAPSHOT, ok=201, errors=(404,))
        def snapshot(request: Request) -> Response:
            """Store a snapshot of the symbol's current quote."""
            quote = self._quote(request.data["symbol"])
            return Response(201, self.repository.create_snapshot(quote))

        fields.add_lookup(router, "/api/v1/snapshots/{id}", self.repository.get_snapshot, "snapshot")
        if "audit-on-production" in self.app.settings.faults:
            add_audit_routes(router, self)

    def audit_routes(self, router: Router) -> None:
        if "no-audit-routes" in self.app.settings.faults:
            return  # the fault: AUDIT_PORT is served, with no route on it
        add_audit_routes(router, self)
        add_chaos_routes(router, self.chaos)

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
                    timestamp_ns=quote.timestamp_ns, sequence=sequence, feed_sequence=quote.feed_sequence)


class _Servicer(pb_grpc.MarketDataServicer):
    def __init__(self, domain: MarketDataDomain):
        self.domain = domain
        self.feed = domain.feed
        self.faults = domain.app.settings.faults

    def GetPrice(self, request, context):  # noqa: N802 - gRPC method name
        quote = self.feed.quote(request.symbol)
        if quote is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no price feed for {request.symbol!r}")
        self.domain.app.trace_events.record("price.quoted", symbol=request.symbol, price=str(quote.price))
        return _message(quote)

    def StreamPrices(self, request, context):  # noqa: N802
        """interval_ms = 0: the current quotes, then every published update in order (a bounded queue;
        a subscriber too slow to keep up is dropped with RESOURCE_EXHAUSTED). interval_ms > 0: the latest
        quote of each symbol every interval."""
        symbols = list(request.symbols) or list(self.feed.symbols)
        unknown = [s for s in symbols if self.feed.quote(s) is None]
        if unknown:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no price feed for {', '.join(unknown)}")
        if request.interval_ms < 0 or request.interval_ms != request.interval_ms:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "interval_ms must not be negative")
        self.domain.streams_opened(1)
        try:
            source = self._every_update(symbols, context) if not request.interval_ms else \
                self._sampled(symbols, request.interval_ms / 1000, context)
            for sequence, quote in enumerate(source, start=1):
                yield _message(quote, sequence)
                if request.max_updates and sequence >= request.max_updates:
                    return
        finally:
            self.domain.streams_opened(-1)

    def _every_update(self, symbols: list[str], context):
        with self.feed.lock:
            sub = self.domain.hub.add(symbols, self.feed.quotes(symbols))
        try:
            while context.is_active() and not self.domain.stopping.is_set():
                if sub.dropped and sub.queue.empty():
                    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                  f"subscriber too slow: {sub.queue.maxsize} updates queued; subscribe again")
                quote = sub.get(timeout=0.25)
                if quote is not None:
                    if "late-fanout" in self.faults:
                        self.domain.stopping.wait(max(0.0, quote.timestamp_ns / 1e9 + LATE_FANOUT - time.time()))
                    yield quote
        finally:
            self.domain.hub.remove(sub)

    def _sampled(self, symbols: list[str], interval: float, context):
        while context.is_active() and not self.domain.stopping.is_set():
            yield from self.feed.quotes(symbols)
            if interval >= 0.0005:
                self.domain.stopping.wait(interval)

    def StreamScenario(self, request, context):  # noqa: N802
        symbol = request.symbol
        kind = pb.ScenarioType.Name(request.type) if request.type in pb.ScenarioType.values() else "?"
        if "naive-scenarios" in self.faults:
            yield from self._naive_scenario(request)
            return
        try:
            steps = scenarios.validate(kind, request.intensity, request.duration_ms, request.interval_ms,
                                       self.feed.interval)
        except scenarios.ScenarioError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        start = self.feed.quote(symbol)
        if start is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no price feed for {symbol!r}")
        path = scenarios.ScenarioPath(kind, start.price, request.intensity, self.feed.sigma, self.feed.seed)
        step_s = request.duration_ms / 1000 / steps
        began = time.monotonic()
        for index in range(steps + 1):
            if index:
                wait = began + index * step_s - time.monotonic()
                if wait > 0 and self.domain.stopping.wait(wait):
                    return
            if not context.is_active():
                return
            live = self.feed.quote(symbol)
            progress = index / steps
            price = self.feed.scenario_quote(symbol, path.price(progress, live.price), index + 1)
            yield pb.ScenarioUpdate(price=_message(price, index + 1), reference_price=str(live.price),
                                    progress=progress, type=request.type)

    def _naive_scenario(self, request):
        """The naive-scenarios fault: no argument checks, the live price as the path."""
        steps = max(1, int(request.duration_ms / (request.interval_ms or self.feed.interval * 1000)))
        for index in range(steps + 1):
            live = self.feed.quote(request.symbol)
            yield pb.ScenarioUpdate(price=_message(live, index + 1), reference_price=str(live.price),
                                    progress=index / steps, type=request.type)
