"""Fan-out of published quotes to StreamPrices subscribers, each through its own bounded queue.

A slow subscriber never blocks the feed: when its queue is full it is dropped (its stream ends with
RESOURCE_EXHAUSTED and the client resubscribes), the other subscribers keep receiving.
The drop-every-10th fault makes every subscriber silently skip every 10th update.
"""
from __future__ import annotations

import queue
import threading

from .feed import Quote


class Subscription:
    def __init__(self, symbols: frozenset[str], maxsize: int, *, drop_every: int = 0):
        self.symbols = symbols
        self.queue: queue.Queue = queue.Queue(maxsize)
        self.dropped = False
        self._offered = 0
        self._drop_every = drop_every

    def offer(self, quote: Quote) -> bool:
        """Queue a quote without blocking; False once the subscriber has overflowed."""
        if quote.symbol not in self.symbols or self.dropped:
            return not self.dropped
        self._offered += 1
        if self._drop_every and self._offered % self._drop_every == 0:
            return True  # the drop-every-10th fault: silently skipped
        try:
            self.queue.put_nowait(quote)
            return True
        except queue.Full:
            self.dropped = True
            return False

    def get(self, timeout: float) -> Quote | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class Hub:
    """The feed's listener: hands every published quote to every subscription."""

    def __init__(self, maxsize: int = 1000, *, drop_every=0, on_overflow=None):
        """drop_every: an int, or a callable giving it when a subscription starts (a switchable fault)."""
        self.maxsize = maxsize
        self.drop_every = drop_every
        self.on_overflow = on_overflow or (lambda sub: None)
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._subs)

    def add(self, symbols, initial: list[Quote]) -> Subscription:
        """A subscription that starts with `initial` (call under the feed's publish lock, so nothing is missed)."""
        every = self.drop_every() if callable(self.drop_every) else self.drop_every
        sub = Subscription(frozenset(symbols), self.maxsize, drop_every=every)
        for quote in initial:
            sub.offer(quote)
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    def remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = [s for s in self._subs if s is not sub]

    def __call__(self, quote: Quote) -> None:
        for sub in self._subs:
            if not sub.offer(quote):
                self.remove(sub)
                self.on_overflow(sub)
