"""The risk monitor's detection rules, each over what one source shows.

Price rules run on every update the price subscription brings; the service rules run every
RISK_POLL_INTERVAL against the exchange's and the custodian's production APIs.

    price_drop          a symbol fell by RISK_DROP_PERCENT or more in one update
    depeg               a pegged symbol (RISK_PEGS, e.g. USDT/USD=1) is more than RISK_PEG_TOLERANCE_PERCENT off its peg
    feed_corruption     a quote is crossed (bid above ask) or not positive
    feed_latency        a quote arrived more than RISK_FEED_LATENCY after it was published
    exchange_unavailable the exchange's trading API does not answer 200
    runaway_orders      the watched account placed more than RISK_MAX_ORDERS orders within RISK_ORDER_WINDOW
    settlement_delayed  a settlement of the watched account stayed open longer than its allowed age
    settlement_failed   a settlement of the watched account FAILED
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .alerts import AlertBook
from .prices import Received


@dataclass(frozen=True)
class Limits:
    drop_percent: Decimal
    pegs: dict[str, Decimal]
    peg_tolerance_percent: Decimal
    feed_latency: float
    order_window: float
    max_orders: int
    settlement_max_age: float


class PriceRules:
    def __init__(self, limits: Limits, alerts: AlertBook):
        self.limits = limits
        self.alerts = alerts
        self.previous: dict[str, Decimal] = {}
        self.connection: dict[str, int] = {}  # the connection that brought each symbol's previous update

    def check(self, update: Received) -> None:
        limits, alerts, symbol = self.limits, self.alerts, update.symbol
        before = self.previous.get(symbol)
        # A subscription opens with each symbol's latest quote, however old: its age is not feed latency.
        replayed = self.connection.get(symbol) != update.connection
        self.previous[symbol], self.connection[symbol] = update.price, update.connection
        if before and before > 0:
            drop = (before - update.price) / before * 100
            if drop >= limits.drop_percent:
                alerts.raise_alert("price_drop", symbol, f"{symbol} fell {drop:.2f}% in one update "
                                   f"({before} -> {update.price})", "CRITICAL",
                                   {"from": str(before), "to": str(update.price)}, update.received_ns)
        if update.price <= 0 or update.bid > update.ask:
            alerts.raise_alert("feed_corruption", symbol, f"{symbol} quote is corrupt: bid {update.bid}, "
                               f"ask {update.ask}, price {update.price}", "ERROR",
                               {"bid": str(update.bid), "ask": str(update.ask)}, update.received_ns)
        if not replayed and update.latency_ms / 1000 > limits.feed_latency:
            alerts.raise_alert("feed_latency", symbol, f"{symbol} quote arrived {update.latency_ms:.0f} ms after "
                               f"it was published", "WARNING", {"latency_ms": round(update.latency_ms)},
                               update.received_ns)
        peg = limits.pegs.get(symbol)
        if peg is not None:
            off = abs(update.price - peg) / peg * 100
            if off > limits.peg_tolerance_percent:
                alerts.raise_alert("depeg", symbol, f"{symbol} is {off:.2f}% off its peg of {peg} "
                                   f"(at {update.price})", "CRITICAL", {"price": str(update.price)},
                                   update.received_ns)
            elif alerts.is_active("depeg", symbol):
                alerts.resolve("depeg", symbol)


def _age(iso: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(iso.replace("Z", "+00:00"))).total_seconds()


def check_exchange(alerts: AlertBook, status: int | None, detail: str) -> None:
    """status: the exchange's answer to a trading-API request (None when unreachable)."""
    if status == 200:
        alerts.resolve("exchange_unavailable", "exchange")
    else:
        alerts.raise_alert("exchange_unavailable", "exchange", f"the exchange's trading API is unavailable: {detail}",
                           "CRITICAL", {"status": status})


def check_orders(alerts: AlertBook, limits: Limits, account: str, orders: list[dict], now: datetime) -> None:
    recent = sum(1 for o in orders if _age(o["submitted_at"], now) <= limits.order_window)
    if recent > limits.max_orders:
        alerts.raise_alert("runaway_orders", account, f"account {account} placed {recent} orders within "
                           f"{limits.order_window}s (limit {limits.max_orders})", "CRITICAL", {"orders": recent})
    elif alerts.is_active("runaway_orders", account):
        alerts.resolve("runaway_orders", account)


def check_settlements(alerts: AlertBook, limits: Limits, account: str, settlements: list[dict], known_failed: set[str],
                      now: datetime) -> None:
    """known_failed: FAILED settlement ids already seen (at start or reset); they raise nothing."""
    failed = [s for s in settlements if s["status"] == "FAILED" and s["settlement_id"] not in known_failed]
    if failed:
        alerts.raise_alert("settlement_failed", account, f"{len(failed)} settlement(s) of account {account} FAILED: "
                           f"{failed[0].get('failure_reason')}", "CRITICAL",
                           {"settlement_ids": [s["settlement_id"] for s in failed[:20]]})
    late = [s for s in settlements if s["status"] in ("PENDING", "IN_PROGRESS")
            and _age(s["initiated_at"], now) > limits.settlement_max_age]
    if late:
        alerts.raise_alert("settlement_delayed", account, f"{len(late)} settlement(s) of account {account} open "
                           f"longer than {limits.settlement_max_age}s", "WARNING",
                           {"settlement_ids": [s["settlement_id"] for s in late[:20]]})
