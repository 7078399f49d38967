"""The risk monitor's price subscription: a StreamPrices client that keeps what arrives and reconnects.

    sub = PriceSubscriber("127.0.0.1:50051", ["BTC/USD", "ETH/USD"])
    sub.start(); sub.wait_for(10, timeout=5); sub.latest("BTC/USD"); sub.gaps("BTC/USD"); sub.stop()

Every update is recorded with its receive time (time.time_ns()) beside the feed's publish time
(Price.timestamp_ns). When the stream ends or fails the subscriber connects again by itself, with
backoff (50 ms doubling to 1 s) and a deadline per attempt (call_timeout), until stop().
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import grpc

from simulators.proto import load

pb, pb_grpc = load("market_data")
FIRST_BACKOFF, MAX_BACKOFF = 0.05, 1.0
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 50), ("grpc.min_reconnect_backoff_ms", 50),
                   ("grpc.max_reconnect_backoff_ms", 500)]


@dataclass(frozen=True)
class Received:
    symbol: str
    price: Decimal
    bid: Decimal
    ask: Decimal
    feed_sequence: int
    published_ns: int
    received_ns: int
    connection: int = 0  # which connection (0 = the first) brought it

    @property
    def latency_ms(self) -> float:
        return (self.received_ns - self.published_ns) / 1e6


class PriceSubscriber:
    def __init__(self, target: str, symbols: list[str], *, interval_ms: float = 0, reconnect: bool = True,
                 call_timeout: float = 5.0, on_update: Callable[[Received], None] | None = None,
                 keep: int | None = None):
        self.target = target
        self.symbols = list(symbols)
        self.interval_ms = interval_ms
        self.reconnect = reconnect
        self.call_timeout = call_timeout
        self.on_update = on_update  # called with each update, in order, on the subscriber's thread
        self.keep = keep  # how many updates `updates` keeps (None: all)
        self.reconnects = 0
        self.errors: list[str] = []  # why each connection ended (a gRPC status code name)
        self._updates: list[Received] = []
        self._latest: dict[str, Received] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._call = None
        self._connecting: grpc.Future | None = None  # the wait for a channel, which stop() cancels
        self._thread: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------
    @property
    def updates(self) -> list[Received]:
        with self._cond:
            return list(self._updates)

    def latest(self, symbol: str) -> Received | None:
        with self._cond:
            return self._latest.get(symbol)

    def wait_for(self, count_or_predicate: int | Callable[[list[Received]], bool], timeout: float) -> bool:
        """True once `count` updates arrived (or the predicate holds over the updates) within timeout."""
        def done() -> bool:
            if callable(count_or_predicate):
                return bool(count_or_predicate(self._updates))
            return len(self._updates) >= count_or_predicate
        with self._cond:
            return self._cond.wait_for(done, timeout)

    def is_stale(self, symbol: str, max_age_s: float) -> bool:
        """True when nothing arrived for the symbol within max_age_s (or nothing ever)."""
        latest = self.latest(symbol)
        return latest is None or (time.time_ns() - latest.received_ns) / 1e9 > max_age_s

    def gaps(self, symbol: str) -> list[tuple[int, int]]:
        """Missing feed_sequence ranges (first, last) between consecutive updates of one connection.

        A new connection starts a new run: the feed's counter restarts at 1 when market data restarts.
        """
        missing: list[tuple[int, int]] = []
        previous: Received | None = None
        for update in self.updates:
            if update.symbol != symbol:
                continue
            if previous and update.connection == previous.connection and update.feed_sequence > previous.feed_sequence + 1:
                missing.append((previous.feed_sequence + 1, update.feed_sequence - 1))
            previous = update
        return missing

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> PriceSubscriber:
        self._thread = threading.Thread(target=self._run, name="price-subscriber", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for pending in (self._connecting, self._call):  # neither a connect nor a stream holds up the stop
            if pending is not None:
                pending.cancel()
        if self._thread:
            self._thread.join(timeout=self.call_timeout + 1)

    def __enter__(self) -> PriceSubscriber:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _run(self) -> None:
        backoff, connection = FIRST_BACKOFF, 0
        while not self._stop.is_set():
            received = self._stream(connection)
            if self._stop.is_set() or not self.reconnect:
                return
            backoff = FIRST_BACKOFF if received else min(backoff * 2, MAX_BACKOFF)
            if self._stop.wait(backoff):
                return
            connection += 1
            self.reconnects += 1

    def _stream(self, connection: int) -> int:
        """One connection: the number of updates it brought; the reason it ended goes to errors."""
        count = 0
        request = pb.StreamPricesRequest(symbols=self.symbols, interval_ms=self.interval_ms)
        with grpc.insecure_channel(self.target, options=CHANNEL_OPTIONS) as channel:
            try:
                self._connecting = grpc.channel_ready_future(channel)
                if self._stop.is_set():
                    return count
                self._connecting.result(timeout=self.call_timeout)
                self._call = pb_grpc.MarketDataStub(channel).StreamPrices(request)
                if self._stop.is_set():
                    self._call.cancel()
                for message in self._call:
                    self._record(message, connection)
                    count += 1
                self.errors.append("OK")
            except grpc.FutureTimeoutError:
                self.errors.append("UNAVAILABLE")
            except grpc.FutureCancelledError:  # stop() while connecting
                self.errors.append("CANCELLED")
            except grpc.RpcError as exc:
                self.errors.append(exc.code().name)
            finally:
                self._connecting = self._call = None
        return count

    def _record(self, message, connection: int) -> None:
        received_ns = time.time_ns()
        update = Received(message.symbol, Decimal(message.price), Decimal(message.bid), Decimal(message.ask),
                          message.feed_sequence, message.timestamp_ns, received_ns, connection)
        with self._cond:
            self._updates.append(update)
            if self.keep is not None and len(self._updates) > self.keep:
                del self._updates[:len(self._updates) - self.keep]
            self._latest[update.symbol] = update
            self._cond.notify_all()
        if self.on_update is not None:
            self.on_update(update)
