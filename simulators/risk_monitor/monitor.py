"""The risk monitor: live prices from market data, holdings from the exchange and the custodian.

    monitor = RiskMonitor(market_data_grpc_target, exchange_url, custodian_url)
    monitor.subscribe(["BTC/USD", "ETH/USD"])
    monitor.positions(account_id)    # per asset: exchange total, custodian quantity, value at the latest price
    monitor.stale(max_age_s)         # subscribed symbols without a fresh update
    monitor.reconciled(account_id)   # truthy when exchange and custodian agree; .differences otherwise
    monitor.close()
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .positions import Holding, PositionReader
from .prices import PriceSubscriber

VALUE_PLACES = Decimal("0.00000001")


def _value(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ValuedPosition:
    """One asset of an account valued in the quote currency at the latest price the monitor received."""

    asset: str
    exchange_total: Decimal
    custodian_quantity: Decimal
    custodian_total: Decimal
    symbol: str | None  # the price used, e.g. "BTC/USD"; None for the quote currency itself
    price: Decimal | None  # None: no price received yet
    value: Decimal | None  # exchange_total * price
    settled_value: Decimal | None  # custodian_quantity * price


@dataclass(frozen=True)
class Reconciliation:
    """Truthy when, for every asset, exchange total == custodian position == custodian balance total."""

    account_id: str
    holdings: dict[str, Holding]
    differences: dict[str, Holding] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        if not self.differences:
            return f"account {self.account_id}: reconciled ({len(self.holdings)} assets)"
        parts = [f"{h.asset}: exchange {h.exchange_total}, custodian position {h.custodian_quantity}, "
                 f"custodian balance {h.custodian_total}" for h in self.differences.values()]
        return f"account {self.account_id}: differs in " + "; ".join(parts)


class RiskMonitor:
    def __init__(self, market_data_grpc_target: str, exchange_url: str, custodian_url: str, *,
                 quote: str = "USD", timeout: float = 5.0):
        self.target = market_data_grpc_target
        self.quote = quote
        self.timeout = timeout
        self.reader = PositionReader(exchange_url, custodian_url, timeout)
        self.subscriber: PriceSubscriber | None = None
        self.symbols: list[str] = []

    def subscribe(self, symbols: list[str]) -> PriceSubscriber:
        """Start (or restart) the price subscription to these symbols, every update the feed publishes."""
        if self.subscriber is not None:
            self.subscriber.stop()
        self.symbols = list(symbols)
        self.subscriber = PriceSubscriber(self.target, self.symbols, call_timeout=self.timeout)
        self.subscriber.start()
        return self.subscriber

    def latest_price(self, asset: str) -> tuple[str | None, Decimal | None]:
        """(symbol, price) for valuing one asset; the quote currency is worth 1."""
        if asset == self.quote:
            return None, Decimal(1)
        symbol = f"{asset}/{self.quote}"
        received = self.subscriber.latest(symbol) if self.subscriber else None
        return symbol, (received.price if received else None)

    def positions(self, account_id: str) -> dict[str, ValuedPosition]:
        """Every asset the exchange or the custodian holds for the account, valued at the latest price."""
        valued = {}
        for asset, h in self.reader.holdings(account_id).items():
            symbol, price = self.latest_price(asset)
            valued[asset] = ValuedPosition(
                asset, h.exchange_total, h.custodian_quantity, h.custodian_total, symbol, price,
                None if price is None else _value(h.exchange_total, price),
                None if price is None else _value(h.custodian_quantity, price))
        return valued

    def stale(self, max_age: float) -> list[str]:
        """The subscribed symbols whose latest update is older than max_age seconds (or missing)."""
        if self.subscriber is None:
            return []
        return [s for s in self.symbols if self.subscriber.is_stale(s, max_age)]

    def reconciled(self, account_id: str) -> Reconciliation:
        holdings = self.reader.holdings(account_id)
        return Reconciliation(account_id, holdings, {a: h for a, h in holdings.items() if not h.agrees})

    def close(self) -> None:
        if self.subscriber is not None:
            self.subscriber.stop()
            self.subscriber = None
        self.reader.close()

    def __enter__(self) -> RiskMonitor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
