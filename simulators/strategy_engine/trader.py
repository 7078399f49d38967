"""The strategy: open and fund an exchange account, then alternate small MARKET BUY and SELL orders.

Every interval it places `orders_per_tick` orders (1; a runaway algorithm places many) over the
exchange's production REST API, and counts what the exchange accepted and refused (by error code).
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from decimal import Decimal

import httpx

from simulators.common import http_client

log = logging.getLogger("strategy")
FUNDING = {"USD": "10000000", "BTC": "1000"}


class Trader:
    def __init__(self, exchange_url: str, exchange_audit_url: str, instance: str, symbol: str, quantity: Decimal,
                 interval: float, timeout: float = 2.0):
        self.exchange_url = exchange_url.rstrip("/")
        self.audit_url = exchange_audit_url.rstrip("/")
        self.user_id = f"{instance}-{uuid.uuid4().hex[:8]}"
        self.symbol, self.quantity, self.interval = symbol, quantity, interval
        self.orders_per_tick = 1
        self.account_id: str | None = None
        self.accepted = 0
        self.rejected: Counter[str] = Counter()
        self.last_rejection: dict | None = None
        self._side = "BUY"
        self._client = http_client.client(timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="strategy", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
        self._client.close()

    def describe(self) -> dict:
        return {"account_id": self.account_id, "user_id": self.user_id, "symbol": self.symbol,
                "quantity": str(self.quantity), "interval_seconds": self.interval,
                "orders_per_tick": self.orders_per_tick, "accepted": self.accepted,
                "rejected": dict(self.rejected), "last_rejection": self.last_rejection}

    def _run(self) -> None:
        while not self._stop.is_set() and self.account_id is None:
            try:
                self.account_id = self._open_account()
                log.info("trading", extra={"account_id": self.account_id, "symbol": self.symbol})
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                log.warning("cannot open the trading account yet", extra={"error": str(exc)})
                self._stop.wait(self.interval)
        while not self._stop.wait(self.interval):
            placed = 0
            while placed < self.orders_per_tick and not self._stop.is_set():  # re-read: a reset ends a runaway tick
                self._place()
                placed += 1

    def _open_account(self) -> str:
        reply = self._client.post(f"{self.exchange_url}/api/v1/accounts",
                                  json={"user_id": self.user_id, "account_type": "SPOT"})
        reply.raise_for_status()
        account = reply.json()["account_id"]
        for asset, amount in FUNDING.items():
            self._client.post(f"{self.audit_url}/audit/v1/accounts/{account}/deposits",
                              json={"asset": asset, "amount": amount}).raise_for_status()
        return account

    def _place(self) -> None:
        order = {"account_id": self.account_id, "symbol": self.symbol, "side": self._side, "type": "MARKET",
                 "quantity": str(self.quantity)}
        self._side = "SELL" if self._side == "BUY" else "BUY"
        try:
            reply = self._client.post(f"{self.exchange_url}/api/v1/orders", json=order)
        except httpx.HTTPError as exc:
            self._refused("unreachable", str(exc) or type(exc).__name__)
            return
        if reply.status_code == 201:
            self.accepted += 1
            return
        try:
            code, message = reply.json().get("error", str(reply.status_code)), reply.json().get("message", "")
        except ValueError:
            code, message = str(reply.status_code), reply.text[:200]
        self._refused(code, message, reply.status_code)

    def _refused(self, code: str, message: str, status: int | None = None) -> None:
        self.rejected[code] += 1
        self.last_rejection = {"error": code, "message": message, "status": status}
