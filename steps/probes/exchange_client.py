"""The exchange simulator as a trading engine sees it (production API) plus its audit/control API."""
from __future__ import annotations

import json
from decimal import Decimal

import httpx

from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

SERVICE = "exchange-simulator"
TIMEOUT = httpx.Timeout(10.0, connect=2.0)
SHOWN = 500


class ExchangeClient:
    def __init__(self, stack: Stack, evidence: Evidence, service: str = SERVICE):
        self.stack = stack
        self.evidence = evidence
        self.service = service
        self.http = http_client.client(timeout=TIMEOUT)
        self.placed: list[str] = []  # order ids, so resting ones can be cancelled after the scenario

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, base: str, path: str, body: object = None, raw: bytes | None = None,
              record: bool = True) -> httpx.Response:
        content = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"} if content is not None else {}
        reply = self.http.request(method, base + path, content=content, headers=headers)
        if record:
            sent = "" if content is None else " " + content.decode(errors="replace")[:SHOWN]
            self.evidence.record("http", f"{method} {self.service}{path}{sent}", f"{reply.status_code} {reply.text[:SHOWN]}")
        return reply

    def api(self, method: str, path: str, body: object = None, raw: bytes | None = None,
            record: bool = True) -> httpx.Response:
        return self._call(method, self.stack.http_url(self.service), path, body, raw, record)

    def audit(self, method: str, path: str, body: object = None) -> httpx.Response:
        return self._call(method, self.stack.audit_url(self.service), path, body)

    # -- accounts ---------------------------------------------------------------------------
    def open_account(self, user_id: str, account_type: str = "SPOT") -> httpx.Response:
        return self.api("POST", "/api/v1/accounts", {"user_id": user_id, "account_type": account_type})

    def account(self, account_id: str) -> httpx.Response:
        return self.api("GET", f"/api/v1/accounts/{account_id}")

    def balances(self, account_id: str) -> dict[str, dict[str, str]]:
        reply = self.api("GET", f"/api/v1/accounts/{account_id}/balances")
        assert reply.status_code == 200, reply.text
        return {b["asset"]: b for b in reply.json()["balances"]}

    def balance(self, account_id: str, asset: str) -> httpx.Response:
        return self.api("GET", f"/api/v1/accounts/{account_id}/balances/{asset}")

    def available(self, account_id: str, asset: str) -> Decimal:
        return Decimal(self.balances(account_id)[asset]["available"])

    def deposit(self, account_id: str, asset: str, amount: str) -> httpx.Response:
        return self.audit("POST", f"/audit/v1/accounts/{account_id}/deposits", {"asset": asset, "amount": amount})

    def funded_account(self, user_id: str, funds: dict[str, str]) -> str:
        reply = self.open_account(user_id)
        assert reply.status_code == 201, reply.text
        account_id = reply.json()["account_id"]
        for asset, amount in funds.items():
            deposit = self.deposit(account_id, asset, amount)
            assert deposit.status_code == 201, deposit.text
        return account_id

    # -- orders -----------------------------------------------------------------------------
    def place(self, body: dict, record: bool = True) -> httpx.Response:
        reply = self.api("POST", "/api/v1/orders", body, record=record)
        if reply.status_code in (201, 422) and isinstance(reply.json().get("order", reply.json()), dict):
            order = reply.json().get("order", reply.json())
            if "order_id" in order:
                self.placed.append(order["order_id"])
        return reply

    def order(self, order_id: str) -> dict:
        reply = self.api("GET", f"/api/v1/orders/{order_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def cancel(self, order_id: str) -> httpx.Response:
        return self.api("DELETE", f"/api/v1/orders/{order_id}")

    def cancel_resting(self) -> None:
        """Cancel what this client left on the books (scenarios share one exchange)."""
        for order_id in self.placed:
            reply = self.api("GET", f"/api/v1/orders/{order_id}", record=False)
            if reply.status_code == 200 and reply.json()["status"] in ("OPEN", "PARTIALLY_FILLED"):
                self.api("DELETE", f"/api/v1/orders/{order_id}", record=False)

    def transactions(self, account_id: str) -> list[dict]:
        reply = self.api("GET", f"/api/v1/accounts/{account_id}/transactions")
        assert reply.status_code == 200, reply.text
        return reply.json()["transactions"]

    def order_book(self, symbol: str) -> dict:
        reply = self.api("GET", f"/api/v1/orderbook/{symbol}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def state(self) -> dict:
        reply = self.audit("GET", "/audit/v1/state")
        assert reply.status_code == 200, reply.text
        return reply.json()


def custodian_settlement(stack: Stack, evidence: Evidence, settlement_id: str) -> dict:
    """A settlement as the custodian's production API answers it (where the exchange's instructions land)."""
    path = f"/api/v1/settlements/{settlement_id}"
    reply = http_client.get(stack.http_url("custodian-simulator") + path, timeout=TIMEOUT)
    evidence.record("http", f"GET custodian-simulator{path}", f"{reply.status_code} {reply.text[:SHOWN]}")
    assert reply.status_code == 200, reply.text
    return reply.json()
