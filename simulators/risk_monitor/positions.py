"""Read an account's holdings from the exchange's and the custodian's production REST APIs.

    exchange:  GET /api/v1/accounts/{id}/balances  -> {"balances": [{"asset", "available", "locked", "total"}]}
    custodian: GET /api/v1/accounts/{id}/positions -> {"positions": [{"symbol", "quantity", ...}]}
               GET /api/v1/accounts/{id}/balances  -> {"balances": [{"asset", "available", "locked", "total"}]}
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import httpx

from simulators.common import http_client

ZERO = Decimal(0)


class PositionsUnavailable(Exception):
    """A production API did not answer, or answered something other than 200 with the documented shape."""


@dataclass(frozen=True)
class Holding:
    """One asset of one account, as each side sees it (0 where a side has no row)."""

    asset: str
    exchange_total: Decimal
    custodian_quantity: Decimal
    custodian_total: Decimal

    @property
    def agrees(self) -> bool:
        return self.exchange_total == self.custodian_quantity == self.custodian_total


class PositionReader:
    def __init__(self, exchange_url: str, custodian_url: str, timeout: float = 5.0):
        self.exchange_url = exchange_url.rstrip("/")
        self.custodian_url = custodian_url.rstrip("/")
        self._client = http_client.client(timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PositionReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- each side -------------------------------------------------------------------
    def exchange_balances(self, account_id: str) -> dict[str, Decimal]:
        """asset -> total balance on the exchange."""
        body = self._get(self.exchange_url, f"/api/v1/accounts/{quote(account_id, safe='')}/balances")
        return {row["asset"]: Decimal(row["total"]) for row in self._list(body, "balances")}

    def custodian_positions(self, account_id: str) -> dict[str, Decimal]:
        """asset -> position quantity at the custodian."""
        body = self._get(self.custodian_url, f"/api/v1/accounts/{quote(account_id, safe='')}/positions")
        return {row["symbol"]: Decimal(row["quantity"]) for row in self._list(body, "positions")}

    def custodian_balances(self, account_id: str) -> dict[str, Decimal]:
        """asset -> total balance at the custodian."""
        body = self._get(self.custodian_url, f"/api/v1/accounts/{quote(account_id, safe='')}/balances")
        return {row["asset"]: Decimal(row["total"]) for row in self._list(body, "balances")}

    # -- both ------------------------------------------------------------------------
    def holdings(self, account_id: str) -> dict[str, Holding]:
        """Every asset either side knows for the account."""
        exchange = self.exchange_balances(account_id)
        positions = self.custodian_positions(account_id)
        balances = self.custodian_balances(account_id)
        assets = sorted(set(exchange) | set(positions) | set(balances))
        return {asset: Holding(asset, exchange.get(asset, ZERO), positions.get(asset, ZERO), balances.get(asset, ZERO))
                for asset in assets}

    def _get(self, base: str, path: str) -> dict:
        try:
            reply = self._client.get(base + path)
        except httpx.HTTPError as exc:
            raise PositionsUnavailable(f"GET {base}{path} failed: {type(exc).__name__}: {exc}") from exc
        if reply.status_code != 200:
            raise PositionsUnavailable(f"GET {base}{path} answered {reply.status_code}: {reply.text[:300]}")
        try:
            return reply.json()
        except ValueError as exc:
            raise PositionsUnavailable(f"GET {base}{path} answered non-JSON: {reply.text[:300]}") from exc

    @staticmethod
    def _list(body: object, key: str) -> list[dict]:
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise PositionsUnavailable(f"expected a JSON object with a '{key}' list, got {str(body)[:300]}")
        return body[key]
