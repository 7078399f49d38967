"""custodian.positions opened directly (POST /api/v1/positions) through the custodian_adapter role."""
from __future__ import annotations

from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable

from .settlements import audit

COLUMNS = "position_id, account_id, symbol, quantity, available_quantity, locked_quantity, currency, last_updated"


class DuplicatePosition(Exception):
    pass


class Positions:
    def __init__(self, db: Database):
        self.db = db

    def open(self, account_id: str, symbol: str, quantity: Decimal, currency: str) -> dict:
        try:
            with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(
                    f"INSERT INTO positions (account_id, symbol, quantity, available_quantity, currency) "
                    f"VALUES (%s, %s, %s, %s, %s) RETURNING {COLUMNS}",
                    (account_id, symbol, quantity, quantity, currency))
                row = cur.fetchone()
                audit(cur, "position.opened", "POSITION", row["position_id"], account_id, "CREATE", None,
                      {"symbol": symbol, "quantity": quantity, "currency": currency})
                return jsonable(row)
        except psycopg.errors.UniqueViolation:
            raise DuplicatePosition(f"account {account_id} already holds a {symbol} position") from None

    def get(self, position_id: str) -> dict | None:
        return self.db.one(f"SELECT {COLUMNS} FROM positions WHERE position_id = %s", (position_id,))

    def find(self, account_id: str, symbol: str) -> dict | None:
        return self.db.one(f"SELECT {COLUMNS} FROM positions WHERE account_id = %s AND symbol = %s", (account_id, symbol))
