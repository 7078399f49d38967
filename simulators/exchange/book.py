"""An in-memory limit order book per symbol: price-time priority, rebuilt from the database on start.

The book only plans matches; the caller writes them in one transaction and applies them afterwards,
so a failed transaction leaves the book as it was.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from .money import text


@dataclass
class Resting:
    order_id: str
    account_id: str
    side: str
    price: Decimal
    remaining: Decimal
    locked: Decimal  # what the order still holds locked: quote for a BUY, base for a SELL
    sequence: int  # arrival order: time priority


@dataclass(frozen=True)
class Fill:
    maker: Resting
    quantity: Decimal

    @property
    def price(self) -> Decimal:  # a trade happens at the resting order's price
        return self.maker.price


class Book:
    def __init__(self, symbol: str, *, newest_first: bool = False):
        self.symbol = symbol
        self.bids: list[Resting] = []
        self.asks: list[Resting] = []
        self.newest_first = newest_first  # the lifo-book fault: time priority reversed
        self._sequence = itertools.count(1)

    def next_sequence(self) -> int:
        return next(self._sequence)

    def _side(self, side: str) -> list[Resting]:
        return self.bids if side == "BUY" else self.asks

    def _priority(self, order: Resting) -> tuple:
        price = -order.price if order.side == "BUY" else order.price
        return (price, -order.sequence if self.newest_first else order.sequence)

    def add(self, order: Resting) -> None:
        orders = self._side(order.side)
        orders.append(order)
        orders.sort(key=self._priority)

    def remove(self, order_id: str) -> Resting | None:
        for orders in (self.bids, self.asks):
            for i, order in enumerate(orders):
                if order.order_id == order_id:
                    return orders.pop(i)
        return None

    def plan(self, side: str, limit: Decimal, quantity: Decimal) -> list[Fill]:
        """The fills an incoming order would get against the opposite side, best price first, then oldest."""
        fills, left = [], quantity
        for maker in self._side("SELL" if side == "BUY" else "BUY"):
            if left <= 0 or (maker.price > limit if side == "BUY" else maker.price < limit):
                break
            take = min(left, maker.remaining)
            fills.append(Fill(maker, take))
            left -= take
        return fills

    def apply(self, fills: list[Fill], released: dict[str, Decimal]) -> None:
        """After the transaction committed: shrink or remove the makers that filled."""
        for fill in fills:
            fill.maker.remaining -= fill.quantity
            fill.maker.locked -= released[fill.maker.order_id]
            if fill.maker.remaining <= 0:
                self.remove(fill.maker.order_id)

    def depth(self) -> dict[str, list[dict[str, str]]]:
        """Aggregated price levels: bids high to low, asks low to high."""
        def levels(orders: list[Resting]) -> list[dict[str, str]]:
            out: dict[Decimal, list] = {}
            for order in orders:
                level = out.setdefault(order.price, [Decimal(0), 0])
                level[0] += order.remaining
                level[1] += 1
            return [{"price": text(p), "quantity": text(q), "orders": n} for p, (q, n) in out.items()]
        return {"bids": levels(self.bids), "asks": levels(self.asks)}
