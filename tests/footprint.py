"""What a stack holds, as one comparable value: rows per table (count and checksum) and Redis keys with values.

A key with a TTL that disappears has expired, even between the SCAN and the DUMP of one read: that is not a change.
The footprint leaves out what the services write by themselves, on a timer: market data's price
feed, candles and periodic snapshots, the price history in Redis, and every service's discovery
keys and registry entry (heartbeats). Everything a request could write is in it.
"""
from __future__ import annotations

import fnmatch
import time

import psycopg
import redis

from trading_harness.polling import wait_until

# table -> rows to leave out (written by the services' own background work)
BACKGROUND_TABLES = {"market_data.price_feeds": None, "market_data.candles": None,
                     "market_data.market_snapshots": "metadata->>'source' = 'periodic'"}
BACKGROUND_KEYS = ("*:service:*", "market_data:history:*")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class Footprint:
    """Reads a stack's footprint with the superuser and the Redis admin user."""

    def __init__(self, stack, own_services: tuple[str, ...]):
        self.db = psycopg.connect(stack.postgres_dsn(), connect_timeout=3, autocommit=True)
        self.redis = redis.Redis.from_url(stack.redis_url("admin"), socket_timeout=3, socket_connect_timeout=3)
        self.own_entries = tuple(f"registry:services:{name}:*" for name in own_services)
        self.query = self._checksum_query()

    def _checksum_query(self) -> str:
        tables = self.db.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema <> ALL(%s) ORDER BY 1", (list(SYSTEM_SCHEMAS),)).fetchall()
        parts = []
        for (table,) in tables:
            if table in BACKGROUND_TABLES and BACKGROUND_TABLES[table] is None:
                continue
            where = f" WHERE NOT ({BACKGROUND_TABLES[table]})" if table in BACKGROUND_TABLES else ""
            parts.append(f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                         f" FROM {table} t{where}")
        return " UNION ALL ".join(parts)

    def read(self) -> tuple[tuple, tuple]:
        rows = tuple(sorted(self.db.execute(self.query).fetchall()))
        keys = sorted(key for key in self.redis.scan_iter(count=1000)
                      if not any(fnmatch.fnmatchcase(key.decode(errors="replace"), pattern)
                                 for pattern in (*BACKGROUND_KEYS, *self.own_entries)))
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.dump(key)
            pipe.pttl(key)
        replies = pipe.execute()
        # a key gone between SCAN and DUMP (it expired) is not in the footprint: DUMP gives None
        return rows, tuple((key, replies[2 * i], replies[2 * i + 1] >= 0) for i, key in enumerate(keys)
                           if replies[2 * i] is not None)

    def settled(self, timeout: float = 10.0, quiet: float = 0.35) -> tuple[tuple, tuple]:
        """The footprint once it has not changed for `quiet` seconds (background work of earlier requests done)."""
        last = {"footprint": self.read(), "since": time.monotonic()}

        def quiet_for_long_enough() -> tuple | None:
            current = self.read()
            if current != last["footprint"]:
                last.update(footprint=current, since=time.monotonic())
                return None
            return current if time.monotonic() - last["since"] >= quiet else None
        return wait_until(quiet_for_long_enough, timeout, interval=0.1, message="the stack's footprint to settle")

    @staticmethod
    def difference(before: tuple, after: tuple) -> list[str]:
        """What changed, as short lines: tables whose count or checksum moved, Redis keys added/removed/changed."""
        rows_before, rows_after = {r[0]: r[1:] for r in before[0]}, {r[0]: r[1:] for r in after[0]}
        lines = [f"table {t}: {rows_before.get(t)} -> {rows_after.get(t)}"
                 for t in sorted(set(rows_before) | set(rows_after)) if rows_before.get(t) != rows_after.get(t)]
        keys_before = {key: (value, expires) for key, value, expires in before[1]}
        keys_after = {key: (value, expires) for key, value, expires in after[1]}
        for key in sorted(set(keys_before) | set(keys_after)):
            if key not in keys_after and keys_before[key][1]:
                continue  # it had a TTL: it expired
            if keys_before.get(key, (None,))[0] != keys_after.get(key, (None,))[0]:
                state = "added" if key not in keys_before else "removed" if key not in keys_after else "changed"
                lines.append(f"redis key {key!r}: {state}")
        return lines

    def close(self) -> None:
        self.db.close()
        self.redis.close()
