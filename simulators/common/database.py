"""The PostgreSQL side of a simulator's data adapter: a small pool bound to its own schema.

Connections carry application_name = the instance name and search_path = the service's
schema, so the repositories use unqualified table names and never reach another schema.
The pool opens lazily: a service starts (in stub mode) while PostgreSQL is down. While the last
check found PostgreSQL unreachable, a caller waits only PROBE_TIMEOUT for a connection (stub mode
answers at once), and the check itself never waits out the pool's timeout.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger("adapter.postgres")

PROBE_TIMEOUT = 0.25  # a check's wait for a pooled connection; then a connection of its own decides


class DatabaseUnavailable(Exception):
    """PostgreSQL cannot be reached or refused the operation for a reason outside the request."""


class Database:
    def __init__(self, url: str, schema: str, application: str, *, max_size: int = 8, timeout: float = 2.0):
        self.schema = schema
        self.timeout = timeout
        self.url = url
        self.kwargs = {"application_name": application, "connect_timeout": max(1, round(timeout)),
                       "options": f"-c search_path={schema}", "autocommit": False}
        self.reachable = True  # what the last check found
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, timeout=timeout, name=f"{application}-pg",
            check=ConnectionPool.check_connection, reconnect_timeout=0, kwargs=self.kwargs,
        )

    def open(self) -> None:
        self.pool.open(wait=False)

    @contextmanager
    def transaction(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        if timeout is None:
            timeout = self.timeout if self.reachable else PROBE_TIMEOUT
        try:
            with self.pool.connection(timeout=timeout) as conn:
                yield conn
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no PostgreSQL connection within {timeout:g}s") from exc
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(str(exc).strip()) from exc

    def one(self, query: str, args: tuple) -> dict | None:
        """The first row of a query as a JSON-ready dict, or None."""
        with self.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, args)
            row = cur.fetchone()
            return jsonable(row) if row else None

    def check(self) -> tuple[bool, str]:
        """(True, "ok") when SELECT 1 answers; else (False, why). A pool with no connection to give within
        PROBE_TIMEOUT is busy when a connection of the check's own opens, else PostgreSQL is unreachable."""
        try:
            with self.transaction(PROBE_TIMEOUT) as conn:
                conn.execute("SELECT 1")
            result = True, "ok"
        except DatabaseUnavailable as exc:
            result = (True, "ok (every pooled connection busy)") if isinstance(exc.__cause__, PoolTimeout) \
                and self._connects() else (False, _first_line(exc))
        except psycopg.Error as exc:
            result = False, _first_line(exc)
        self.reachable = result[0]
        return result

    def _connects(self) -> bool:
        try:
            with psycopg.connect(self.url, **self.kwargs) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def identity(self) -> dict[str, str]:
        """The role and schema the adapter really uses, as PostgreSQL reports them."""
        with self.transaction() as conn:
            user, schema = conn.execute("SELECT current_user, current_schema()").fetchone()
        return {"role": user, "schema": schema}

    def close(self) -> None:
        self.pool.close(timeout=1)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def jsonable(row: dict) -> dict:
    """A row with UUIDs, decimals and timestamps as strings (money stays exact)."""
    out = {}
    for key, value in row.items():
        if value is None or isinstance(value, (bool, int, str, dict, list)):
            out[key] = value
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat().replace("+00:00", "Z")
        else:
            out[key] = str(value)
    return out
