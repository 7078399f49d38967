"""accounts in the instance's schema (exchange, exchange_okx, ...) through its own role."""
from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable

COLUMNS = "account_id, user_id, account_type, status, kyc_status, created_at"


class DuplicateAccount(Exception):
    pass


class Accounts:
    def __init__(self, db: Database):
        self.db = db

    def create(self, user_id: str, account_type: str) -> dict:
        try:
            with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(f"INSERT INTO accounts (user_id, account_type, status) VALUES (%s, %s, 'ACTIVE') "
                            f"RETURNING {COLUMNS}", (user_id, account_type))
                return jsonable(cur.fetchone())
        except psycopg.errors.UniqueViolation:
            raise DuplicateAccount(f"user {user_id} already has a {account_type} account") from None

    def get(self, account_id: str) -> dict | None:
        return self.db.one(f"SELECT {COLUMNS} FROM accounts WHERE account_id = %s", (account_id,))
