"""accounts in the instance's schema (exchange, exchange_okx, ...) through its own role."""
from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable

from . import audit
from .balances import Balances

COLUMNS = "account_id, user_id, account_type, status, kyc_status, created_at"
STATUSES = ("ACTIVE", "SUSPENDED", "CLOSED")
KYC_STATUSES = ("PENDING", "APPROVED", "REJECTED")


class DuplicateAccount(Exception):
    pass


class Accounts:
    def __init__(self, db: Database, balances: Balances):
        self.db = db
        self.balances = balances

    def create(self, user_id: str, account_type: str) -> dict:
        """A new ACTIVE account (KYC PENDING) with zero balances, audited, in one transaction."""
        try:
            with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(f"INSERT INTO accounts (user_id, account_type, status) VALUES (%s, %s, 'ACTIVE') "
                            f"RETURNING {COLUMNS}", (user_id, account_type))
                account = jsonable(cur.fetchone())
                self.balances.open(cur, account["account_id"])
                audit.record(cur, account["account_id"], "ACCOUNT", account["account_id"], "ACCOUNT_OPENED",
                             {k: account[k] for k in ("user_id", "account_type", "status", "kyc_status")})
        except psycopg.errors.UniqueViolation:
            raise DuplicateAccount(f"user {user_id} already has a {account_type} account") from None
        return {**account, "balances": self.balances.of(account["account_id"])}

    def get(self, account_id: str) -> dict | None:
        account = self.db.one(f"SELECT {COLUMNS} FROM accounts WHERE account_id = %s", (account_id,))
        if account is None:
            return None
        return {**account, "balances": self.balances.of(account_id)}

    def exists(self, account_id: str) -> bool:
        return self.db.one("SELECT 1 AS found FROM accounts WHERE account_id = %s", (account_id,)) is not None

    def set_status(self, account_id: str, changes: dict[str, str]) -> dict | None:
        """Change status and/or kyc_status (audit/control API), audited."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {COLUMNS} FROM accounts WHERE account_id = %s FOR UPDATE", (account_id,))
            before = cur.fetchone()
            if before is None:
                return None
            sets = ", ".join(f"{column} = %s" for column in changes)
            cur.execute(f"UPDATE accounts SET {sets} WHERE account_id = %s RETURNING {COLUMNS}",
                        (*changes.values(), account_id))
            after = jsonable(cur.fetchone())
            audit.record(cur, account_id, "ACCOUNT", account_id, "ACCOUNT_STATUS",
                         {k: after[k] for k in ("status", "kyc_status")},
                         old={k: before[k] for k in ("status", "kyc_status")})
        return {**after, "balances": self.balances.of(account_id)}
