"""The market_data schema through the market_data_adapter role: the seed's repository operations.

    PublishPrice     publish_prices(quotes)        market_data.price_feeds (batched)
    PublishCandle    publish_candles(candles, ...)  market_data.candles
    CreateSnapshot   create_snapshot(quote), publish_snapshots(quotes)  market_data.market_snapshots
    GetActiveSymbols active_symbols()              market_data.symbols (seeded at start by seed_symbols)
"""
from __future__ import annotations

from datetime import UTC, datetime

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from simulators.common.database import Database, jsonable

from .candles import Candle
from .feed import Quote, iso

SNAPSHOT = "snapshot_id, symbol, last_price, bid, ask, spread, timestamp"


def _time(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


class MarketDataRepository:
    def __init__(self, db: Database, source: str = "simulator"):
        self.db = db
        self.source = source

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

    def publish_prices(self, quotes: list[Quote]) -> None:
        """One transaction for a batch of published prices."""
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO price_feeds (symbol, price, bid, ask, source, timestamp, metadata) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(q.symbol, q.price, q.bid, q.ask, self.source, _time(q.timestamp_ns),
                  Jsonb({"feed_sequence": q.feed_sequence})) for q in quotes])

    def publish_candles(self, candles: list[Candle], label: str, seconds: float) -> None:
        """Closed candles, in one transaction (a window already stored is skipped)."""
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO candles (symbol, "interval", open, high, low, close, volume, start_time, end_time, '
                "num_trades, metadata) VALUES (%s, %s, %s, %s, %s, %s, 0, %s, %s, 0, %s) "
                "ON CONFLICT ON CONSTRAINT unique_symbol_interval_time DO NOTHING",
                [(c.symbol, label, c.open, c.high, c.low, c.close, _time(c.start_ns), _time(c.end_ns),
                  Jsonb({"ticks": c.ticks, "seconds": seconds})) for c in candles])

    def publish_snapshots(self, snapshots: list[Quote]) -> None:
        """The periodic market snapshots (metadata.source = "periodic"), in one transaction."""
        with self.db.transaction() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO market_snapshots (symbol, last_price, bid, ask, spread, metadata) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(q.symbol, q.price, q.bid, q.ask, q.ask - q.bid,
                  Jsonb({"source": "periodic", "feed_sequence": q.feed_sequence, "price_time": iso(q.timestamp_ns)}))
                 for q in snapshots])

    def create_snapshot(self, quote: Quote) -> dict:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                f"INSERT INTO market_snapshots (symbol, last_price, bid, ask, spread) VALUES (%s, %s, %s, %s, %s) "
                f"RETURNING {SNAPSHOT}", (quote.symbol, quote.price, quote.bid, quote.ask, quote.ask - quote.bid))
            return jsonable(cur.fetchone())

    def get_snapshot(self, snapshot_id: str) -> dict | None:
        return self.db.one(f"SELECT {SNAPSHOT} FROM market_snapshots WHERE snapshot_id = %s", (snapshot_id,))
