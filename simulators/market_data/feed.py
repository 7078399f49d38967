"""Prices: a random walk per symbol, ticking every PRICE_UPDATE_INTERVAL, with a fixed spread.

Every publish (a tick, or a price set through the audit API) gives the symbol a new Quote whose
feed_sequence is the previous one + 1 (from 1, no gaps) and hands it to the listeners, in order,
while the publish lock is held: listeners must not block (they queue). Prices are Decimals quantised
to 8 places. A seed makes a run reproducible.
"""
from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

QUANTUM = Decimal("0.00000001")
START_PRICES = {"BTC": "60000", "ETH": "3000", "ADA": "0.45", "SOL": "150", "DOT": "7", "USDT": "1"}
DRIFT_PER_TICK = Decimal("0.02")  # the spread-drift fault: the spread grows by 2% of itself per tick


def iso(timestamp_ns: int) -> str:
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp_ns // 1_000_000_000))
            + f".{timestamp_ns % 1_000_000_000 // 1_000_000:03d}Z")


@dataclass(frozen=True)
class Quote:
    symbol: str
    price: Decimal
    bid: Decimal
    ask: Decimal
    timestamp_ns: int
    feed_sequence: int = 0

    def as_json(self) -> dict[str, object]:
        return {"symbol": self.symbol, "price": str(self.price), "bid": str(self.bid), "ask": str(self.ask),
                "timestamp": iso(self.timestamp_ns), "timestamp_ns": self.timestamp_ns,
                "feed_sequence": self.feed_sequence}


Listener = Callable[[Quote], None]


class PriceFeed:
    def __init__(self, symbols: tuple[str, ...], interval: float, *, sigma: float = 0.001,
                 spread_bps: Decimal = Decimal("10"), seed: int | None = None, spread_drift: bool = False,
                 pegged: tuple[str, ...] = ()):
        self.symbols = symbols
        self.pegged = tuple(p for p in pegged if p not in symbols)  # quoted, never walked (stablecoins)
        self.interval = interval
        self.sigma = sigma
        self.spread_bps = spread_bps
        self.seed = seed
        self.half_spread = spread_bps / Decimal(20000)
        self.spread_drift = spread_drift
        self.paused = False
        self.ticks = 0
        self.published = 0
        self.listeners: list[Listener] = []
        self.lock = threading.RLock()  # held while publishing: subscribers register under it
        self._random = random.Random(seed)
        now = time.time_ns()
        self.latency_ns = 0  # chaos: published quotes are this old when they leave (feed latency)
        self.corrupt = False  # chaos: published quotes have bid and ask swapped (a crossed, corrupt quote)
        self._quotes = {s: self._quote(s, Decimal(START_PRICES.get(s.split("/")[0], "100")), now, 0)
                        for s in (*symbols, *self.pegged)}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._first = interval

    def _quote(self, symbol: str, price: Decimal, timestamp_ns: int, sequence: int) -> Quote:
        price = max(price, QUANTUM).quantize(QUANTUM, ROUND_HALF_EVEN)
        half = (price * self.half_spread).quantize(QUANTUM, ROUND_HALF_EVEN)
        if price - half <= 0:
            half = Decimal(0)
        return Quote(symbol, price, price - half, price + half, timestamp_ns, sequence)

    def quote(self, symbol: str) -> Quote | None:
        with self.lock:
            return self._quotes.get(symbol)

    def quotes(self, symbols: tuple[str, ...] | list[str] = ()) -> list[Quote]:
        with self.lock:
            return [self._quotes[s] for s in (symbols or self.symbols) if s in self._quotes]

    def scenario_quote(self, symbol: str, price: Decimal, sequence: int) -> Quote:
        """A quote at the feed's spread that is not published (StreamScenario's simulated prices)."""
        return self._quote(symbol, price, time.time_ns(), sequence)

    # -- publishing -----------------------------------------------------------------
    def publish(self, symbol: str, price: Decimal) -> Quote:
        """Publish a new price for one symbol now (next feed_sequence); KeyError for an unknown symbol."""
        with self.lock:
            previous = self._quotes[symbol]
            quote = self._quote(symbol, price, time.time_ns() - self.latency_ns, previous.feed_sequence + 1)
            if self.corrupt:
                quote = Quote(symbol, quote.price, quote.ask, quote.bid, quote.timestamp_ns, quote.feed_sequence)
            self._quotes[symbol] = quote
            self.published += 1
            for listener in self.listeners:
                listener(quote)
            return quote

    def shock(self, symbol: str, percent: Decimal) -> Quote:
        with self.lock:
            return self.publish(symbol, self._quotes[symbol].price * (1 + percent / 100))

    def shock_all(self, percent: Decimal) -> list[Quote]:
        """One coordinated move: every walked symbol's price *= 1 + percent/100, under one lock."""
        with self.lock:
            return [self.publish(s, self._quotes[s].price * (1 + percent / 100)) for s in self.symbols]

    def tick(self) -> None:
        """One step of the walk for every symbol: price *= exp(sigma * N(0, 1)), published."""
        with self.lock:
            if self.spread_drift:
                self.half_spread *= 1 + DRIFT_PER_TICK
            for symbol in self.symbols:
                step = Decimal(str(math.exp(self.sigma * self._random.gauss(0.0, 1.0))))
                self.publish(symbol, self._quotes[symbol].price * step)
            self.ticks += 1

    # -- control ----------------------------------------------------------------------
    def set_interval(self, seconds: float) -> None:
        self.interval = seconds
        self._wake.set()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused

    # -- lifecycle --------------------------------------------------------------------
    def start(self, first_tick_after: float | None = None) -> None:
        """Publish the start prices (feed_sequence 1), then tick every interval (the first after first_tick_after)."""
        self._first = first_tick_after if first_tick_after is not None else self.interval
        with self.lock:
            for symbol in (*self.symbols, *self.pegged):
                self.publish(symbol, self._quotes[symbol].price)
        self._thread = threading.Thread(target=self._run, name="price-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        due = time.monotonic() + self._first
        while not self._stop.is_set():
            if self._wake.wait(max(0.0, due - time.monotonic())):
                self._wake.clear()  # the interval changed: the next tick is one new interval away
                due = time.monotonic() + self.interval
                continue
            if self._stop.is_set():
                return
            if not self.paused:
                self.tick()
            due = max(due + self.interval, time.monotonic())

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=2)
