"""market_data.symbols and market_snapshots through the market_data_adapter role."""
from __future__ import annotations

from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable

from .feed import Quote

SNAPSHOT = "snapshot_id, symbol, last_price, bid, ask, spread, timestamp"


class MarketDataRepository:
    def __init__(self, db: Database):
        self.db = db

    def seed_symbols(self, symbols: tuple[str, ...]) -> None:
        """Make sure every configured symbol exists and is active (idempotent)."""
        with self.db.transaction() as conn:
            for symbol in symbols:
                base, quote = symbol.split("/")
                conn.execute(
                    "INSERT INTO symbols (symbol, base_currency, quote_currency, display_name) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT ON CONSTRAINT symbols_symbol_key DO UPDATE SET is_active = true",
                    (symbol, base, quote, f"{base} / {quote}"))

    def active_symbols(self) -> list[str]:
        with self.db.transaction() as conn:
            return [row[0] for row in conn.execute("SELECT symbol FROM symbols WHERE is_active ORDER BY symbol")]

    def create_snapshot(self, quote: Quote) -> dict:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                f"INSERT INTO market_snapshots (symbol, last_price, bid, ask, spread) VALUES (%s, %s, %s, %s, %s) "
                f"RETURNING {SNAPSHOT}", (quote.symbol, quote.price, quote.bid, quote.ask, quote.ask - quote.bid))
            return jsonable(cur.fetchone())

    def get_snapshot(self, snapshot_id: str) -> dict | None:
        return self.db.one(f"SELECT {SNAPSHOT} FROM market_snapshots WHERE snapshot_id = %s", (snapshot_id,))
