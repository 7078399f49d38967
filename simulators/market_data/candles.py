"""OHLCV candles: every CANDLE_INTERVAL each symbol's window of published prices is closed into a candle.

The candles.interval column takes the schema's labels ('1m', '5m', '15m', '1h', '4h', '1d'): a candle
carries the label of its nominal interval. CANDLE_INTERVAL equal to one of them (60s, 5m, ...) is its
own label; a compressed interval (the embedded stack runs CANDLE_INTERVAL=0.5s for the compose
file's 1m) is labelled CANDLE_LABEL (default '1m') and records its real length in metadata.seconds.
Windows follow each other without gaps (start_time = the previous end_time), so end_time > start_time,
and a window without prices (feed paused) is flat at the last price.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

from .feed import Quote

LABELS = {60: "1m", 300: "5m", 900: "15m", 3600: "1h", 14400: "4h", 86400: "1d"}
CANDLE_LABELS = tuple(LABELS.values())


def label_for(seconds: float, default: str = "1m") -> str:
    return LABELS.get(round(seconds), default) if float(round(seconds)) == seconds else default


@dataclass
class Candle:
    symbol: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    start_ns: int
    end_ns: int = 0
    ticks: int = 0

    def add(self, price: Decimal) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.ticks += 1


class CandleBook:
    """The open window of every symbol; observe() is a feed listener, close() rolls the windows."""

    def __init__(self, quotes: list[Quote], start_ns: int):
        self._lock = threading.Lock()
        self._open = {q.symbol: Candle(q.symbol, q.price, q.price, q.price, q.price, start_ns) for q in quotes}

    def observe(self, quote: Quote) -> None:
        with self._lock:
            self._open[quote.symbol].add(quote.price)

    def close(self, end_ns: int) -> list[Candle]:
        """The finished candles; new windows open at end_ns at each symbol's last price."""
        with self._lock:
            done = list(self._open.values())
            for candle in done:
                candle.end_ns = end_ns
                c = candle.close
                self._open[candle.symbol] = Candle(candle.symbol, c, c, c, c, end_ns)
            return done
