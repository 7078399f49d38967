"""Prices: a random walk per symbol, ticking every PRICE_UPDATE_INTERVAL, with a fixed spread.

Prices are Decimals quantised to 8 places. A seed makes a run reproducible.
"""
from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

QUANTUM = Decimal("0.00000001")
START_PRICES = {"BTC": "60000", "ETH": "3000", "ADA": "0.45", "SOL": "150", "DOT": "7", "USDT": "1"}


@dataclass(frozen=True)
class Quote:
    symbol: str
    price: Decimal
    bid: Decimal
    ask: Decimal
    timestamp_ns: int

    def as_json(self) -> dict[str, str]:
        return {"symbol": self.symbol, "price": str(self.price), "bid": str(self.bid), "ask": str(self.ask),
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.timestamp_ns / 1e9))
                + f".{self.timestamp_ns % 1_000_000_000 // 1_000_000:03d}Z"}


class PriceFeed:
    def __init__(self, symbols: tuple[str, ...], interval: float, *, sigma: float = 0.001,
                 spread_bps: Decimal = Decimal("10"), seed: int | None = None):
        self.symbols = symbols
        self.interval = interval
        self.sigma = sigma
        self.half_spread = spread_bps / Decimal(20000)
        self._random = random.Random(seed)
        self._quotes = {s: self._quote(s, Decimal(START_PRICES.get(s.split("/")[0], "100"))) for s in symbols}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def _quote(self, symbol: str, price: Decimal) -> Quote:
        price = price.quantize(QUANTUM, ROUND_HALF_EVEN)
        half = (price * self.half_spread).quantize(QUANTUM, ROUND_HALF_EVEN)
        return Quote(symbol, price, price - half, price + half, time.time_ns())

    def quote(self, symbol: str) -> Quote | None:
        with self._lock:
            return self._quotes.get(symbol)

    def quotes(self, symbols: tuple[str, ...] | list[str] = ()) -> list[Quote]:
        with self._lock:
            return [self._quotes[s] for s in (symbols or self.symbols) if s in self._quotes]

    def tick(self) -> None:
        """One step of the walk for every symbol: price *= exp(sigma * N(0, 1))."""
        with self._lock:
            for symbol, quote in self._quotes.items():
                step = Decimal(str(math.exp(self.sigma * self._random.gauss(0.0, 1.0))))
                self._quotes[symbol] = self._quote(symbol, max(quote.price * step, QUANTUM))
            self.ticks += 1

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="price-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
