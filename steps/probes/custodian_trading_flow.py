"""The trading flow as a trader drives it: an exchange account, audit deposits, market orders, prices."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

from .service_probe import ServiceProbe

MARKET_DATA = "market-data-simulator"
EIGHT_PLACES = Decimal("0.00000001")


def value_of(quantity: Decimal, price: Decimal) -> Decimal:
    """quantity * price rounded to 8 places, half away from zero (as PostgreSQL and the exchange round)."""
    return (quantity * price).quantize(EIGHT_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class FlowAccount:
    """One exchange account of the scenario and what the scenario did with it."""

    exchange: str
    account_id: str
    deposits: dict[str, Decimal] = field(default_factory=dict)  # asset -> amount deposited
    orders: list[dict] = field(default_factory=list)  # the exchange's replies, FILLED or not
    errors: list[str] = field(default_factory=list)  # replies that were not 201

    def expected(self) -> dict[str, Decimal]:
        """asset -> what the account must hold after its deposits and filled orders."""
        held = dict(self.deposits)
        for order in self.orders:
            if order.get("status") != "FILLED":
                continue
            base, quote = order["symbol"].split("/")
            quantity = Decimal(order["filled_quantity"])
            value = sum((Decimal(t["value"]) for t in order.get("trades") or ()), Decimal(0)) or \
                value_of(quantity, Decimal(order["average_price"]))
            sign = 1 if order["side"] == "BUY" else -1
            held[base] = held.get(base, Decimal(0)) + sign * quantity
            held[quote] = held.get(quote, Decimal(0)) - sign * value
        return held

    @property
    def filled(self) -> list[dict]:
        return [o for o in self.orders if o.get("status") == "FILLED"]


class TradingFlow:
    def __init__(self, stack: Stack, evidence: Evidence):
        self.stack = stack
        self.evidence = evidence
        self.http = ServiceProbe(stack, evidence)

    def open_account(self, exchange: str) -> FlowAccount:
        reply = self.http.post(exchange, "/api/v1/accounts", {"user_id": f"trader-{uuid.uuid4().hex[:12]}",
                                                              "account_type": "SPOT"})
        assert reply.status_code == 201, reply.text
        return FlowAccount(exchange, reply.json()["account_id"])

    def deposit(self, account: FlowAccount, asset: str, amount: Decimal) -> dict:
        """Fund the account through the exchange's audit/control API."""
        url = f"{self.stack.audit_url(account.exchange)}/audit/v1/accounts/{account.account_id}/deposits"
        body = {"asset": asset, "amount": str(amount)}
        reply = http_client.post(url, json=body, timeout=5.0)
        self.evidence.record("http", f"POST {account.exchange} audit deposit {body}",
                             f"{reply.status_code} {reply.text[:400]}")
        assert reply.status_code == 201, reply.text
        account.deposits[asset] = account.deposits.get(asset, Decimal(0)) + amount
        return reply.json()

    def market_order(self, account: FlowAccount, side: str, quantity: str, symbol: str) -> dict:
        """Place a market order; the reply body (an error is kept in account.errors)."""
        body = {"account_id": account.account_id, "symbol": symbol, "side": side, "type": "MARKET",
                "quantity": quantity, "client_order_id": f"flow-{uuid.uuid4().hex[:16]}"}
        reply = self.http.post(account.exchange, "/api/v1/orders", body)
        if reply.status_code != 201:
            account.errors.append(f"{reply.status_code} {reply.text[:300]}")
        order = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        account.orders.append(order.get("order", order))
        return order

    def order(self, account: FlowAccount, order_id: str) -> dict:
        reply = self.http.get(account.exchange, f"/api/v1/orders/{order_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def market_price(self, symbol: str) -> dict:
        """The market-data simulator's current quote {symbol, price, bid, ask, feed_sequence, ...}."""
        reply = self.http.get(MARKET_DATA, f"/api/v1/prices/{symbol}")
        assert reply.status_code == 200, reply.text
        return reply.json()
