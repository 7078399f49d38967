"""Bounded price history per symbol in Redis: a list at market_data:history:<symbol>, newest first."""
from __future__ import annotations

import json

from simulators.common.cache import Cache

from .feed import Quote


class History:
    def __init__(self, cache: Cache, length: int):
        self.cache = cache
        self.length = length

    def key(self, symbol: str) -> str:
        return self.cache.key("history", symbol)

    def write(self, quotes: list[Quote]) -> None:
        """LPUSH each quote (in publish order) and LTRIM every touched list to the configured length."""
        pipe = self.cache.client.pipeline(transaction=False)
        for quote in quotes:
            pipe.lpush(self.key(quote.symbol), json.dumps(quote.as_json(), separators=(",", ":")))
        for symbol in {q.symbol for q in quotes}:
            pipe.ltrim(self.key(symbol), 0, self.length - 1)
        pipe.execute()

    def read(self, symbol: str, limit: int) -> list[dict]:
        return [json.loads(item) for item in self.cache.client.lrange(self.key(symbol), 0, limit - 1)]
