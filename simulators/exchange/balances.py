"""Balances per account and asset (available + locked = total), changed only inside a caller's transaction.

Every change writes an audit_log row; deposits also write a settlement instruction for the custodian.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from psycopg import Cursor
from psycopg.rows import dict_row

from simulators.common.database import Database
from simulators.common.http import ApiError

from . import audit, settlement_outbox
from .money import ASSETS, ZERO, q8, text

Key = tuple[str, str]  # (account_id, asset)


def as_json(asset: str, available: Decimal, locked: Decimal) -> dict[str, str]:
    return {"asset": asset, "available": text(available), "locked": text(locked), "total": text(available + locked)}


class Ledger:
    """The balance rows one transaction has locked (SELECT ... FOR UPDATE), and the changes it makes to them."""

    def __init__(self, cur: Cursor, rows: dict[Key, list[Decimal]]):
        self.cur = cur
        self.rows = rows  # (account, asset) -> [available, locked]

    @classmethod
    def lock(cls, cur: Cursor, accounts: set[str], assets: set[str], check_account: str | None = None) -> Ledger:
        """Lock the balance rows of accounts x assets in a fixed order (no deadlocks between transactions).

        check_account: refuse (ApiError) an unknown or inactive account, read in the same round trip.
        """
        query = ("SELECT b.account_id::text AS account_id, b.symbol, b.available_balance, b.locked_balance, "
                 "a.status FROM balances b JOIN accounts a ON a.account_id = b.account_id "
                 "WHERE b.account_id = ANY(%s::uuid[]) AND b.symbol = ANY(%s) ORDER BY b.account_id, b.symbol "
                 "FOR UPDATE OF b")
        args = (sorted(accounts), sorted(assets))
        cur.execute(query, args)
        found = cur.fetchall()
        if check_account is not None:
            status = next((r["status"] for r in found if r["account_id"] == check_account), None)
            if status is None:
                cur.execute("SELECT status FROM accounts WHERE account_id = %s", (check_account,))
                row = cur.fetchone()
                if row is None:
                    raise ApiError(404, "unknown_account", f"No account {check_account}.")
                status = row["status"]
            if status != "ACTIVE":
                raise ApiError(409, "account_not_active", f"Account {check_account} is {status}; it cannot trade.")
        if len(found) < len(accounts) * len(assets):  # an account opened before balances existed
            for account in sorted(accounts):
                cur.execute("INSERT INTO balances (account_id, symbol) SELECT %s, unnest(%s::text[]) "
                            "ON CONFLICT (account_id, symbol) DO NOTHING", (account, sorted(assets)))
            cur.execute(query, args)
            found = cur.fetchall()
        return cls(cur, {(r["account_id"], r["symbol"]): [r["available_balance"], r["locked_balance"]] for r in found})

    def available(self, account: str, asset: str) -> Decimal:
        return self.rows[(account, asset)][0]

    def locked(self, account: str, asset: str) -> Decimal:
        return self.rows[(account, asset)][1]

    def change(self, account: str, asset: str, action: str, reference: str, *, available: Decimal = ZERO,
               locked: Decimal = ZERO, absolute_available: Decimal | None = None) -> None:
        """Add to available/locked (or, for the non-atomic fault, overwrite available) and audit it."""
        before = self.rows[(account, asset)]
        new_available = q8(absolute_available if absolute_available is not None else before[0] + available)
        new_locked = q8(before[1] + locked)
        self.cur.execute("UPDATE balances SET available_balance = %s, locked_balance = %s, total_balance = %s, "
                         "last_updated = NOW() WHERE account_id = %s AND symbol = %s",
                         (new_available, new_locked, new_available + new_locked, account, asset))
        audit.record(self.cur, account, "BALANCE", f"{account}:{asset}", action, as_json(asset, new_available, new_locked),
                     old=as_json(asset, before[0], before[1]), reference=reference)
        self.rows[(account, asset)] = [new_available, new_locked]


class Balances:
    def __init__(self, db: Database, assets: tuple[str, ...] = ASSETS, *, deposit_to_locked: bool = False):
        self.db = db
        self.assets = assets  # fewer than ASSETS only for the no-usdt fault
        self.deposit_to_locked = deposit_to_locked  # the deposit-to-locked fault

    def open(self, cur: Cursor, account_id: str) -> None:
        """Zero balances in every asset for a new account."""
        cur.execute("INSERT INTO balances (account_id, symbol) SELECT %s, unnest(%s::text[])",
                    (account_id, list(self.assets)))

    def of(self, account_id: str) -> list[dict[str, str]]:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT symbol, available_balance, locked_balance FROM balances WHERE account_id = %s",
                        (account_id,))
            rows = {r["symbol"]: r for r in cur.fetchall()}
        return [as_json(a, rows[a]["available_balance"], rows[a]["locked_balance"]) if a in rows
                else as_json(a, ZERO, ZERO) for a in self.assets]

    def read_available(self, account_id: str, asset: str) -> Decimal:
        """The available balance, read without a lock in its own transaction (only the non-atomic fault does this)."""
        row = self.db.one("SELECT available_balance FROM balances WHERE account_id = %s AND symbol = %s",
                          (account_id, asset))
        return Decimal(row["available_balance"]) if row else ZERO

    def deposit(self, account_id: str, asset: str, amount: Decimal) -> dict | None:
        """Credit amount to available; None when the account does not exist. Writes the DEPOSIT instruction."""
        deposit_id = str(uuid.uuid4())
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT 1 FROM accounts WHERE account_id = %s", (account_id,))
            if cur.fetchone() is None:
                return None
            ledger = Ledger.lock(cur, {account_id}, {asset})
            if self.deposit_to_locked:
                ledger.change(account_id, asset, "DEPOSIT", deposit_id, locked=amount)
            else:
                ledger.change(account_id, asset, "DEPOSIT", deposit_id, available=amount)
            settlement_outbox.enqueue(cur, f"{deposit_id}:{asset}", "DEPOSIT", account_id, asset, amount)
            available, locked = ledger.rows[(account_id, asset)]
        return {"deposit_id": deposit_id, "account_id": account_id, "asset": asset, "amount": text(amount),
                "balance": as_json(asset, available, locked)}
