"""The PostgreSQL side of a simulator's data adapter: a small pool bound to its own schema.

Connections carry application_name = the instance name and search_path = the service's
schema, so the repositories use unqualified table names and never reach another schema.
The pool opens lazily: a service starts (in stub mode) while PostgreSQL is down. The readiness
check runs on a connection of its own, never waiting for the pool: a busy pool is not PostgreSQL
being down, and a stopped server is found at once. While the last check found PostgreSQL
unreachable, a caller waits only DOWN_WAIT for a pooled connection (stub mode answers at once).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger("adapter.postgres")

DOWN_WAIT = 0.25  # a caller's wait for a pooled connection while the last check found PostgreSQL down


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
        self._checks: psycopg.Connection | None = None  # the checks' own connection, opened again once broken
        self._checks_lock = threading.Lock()
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
            timeout = self.timeout if self.reachable else DOWN_WAIT
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
        """(True, "ok") when SELECT 1 answers on the checks' own connection; else (False, why). A connection
        that fails (PostgreSQL restarted) gets one fresh one before PostgreSQL reads as down."""
        with self._checks_lock:
            had_connection = self._checks is not None
            result = self._select_one()
            if not result[0] and had_connection:
                result = self._select_one()
        self.reachable = result[0]
        return result

    def _select_one(self) -> tuple[bool, str]:
        try:
            if self._checks is None:
                self._checks = psycopg.connect(self.url, **{**self.kwargs, "autocommit": True})
            self._checks.execute("SELECT 1")
            return True, "ok"
        except psycopg.Error as exc:
            if self._checks is not None:
                self._checks.close()
                self._checks = None
            return False, _first_line(exc)

    def identity(self) -> dict[str, str]:
        """The role and schema the adapter really uses, as PostgreSQL reports them."""
        with self.transaction() as conn:
            user, schema = conn.execute("SELECT current_user, current_schema()").fetchone()
        return {"role": user, "schema": schema}

    def close(self) -> None:
        self.pool.close(timeout=1)
        if self._checks_lock.acquire(timeout=0.5):  # a check hanging on a frozen server keeps its connection
            try:
                if self._checks is not None:
                    self._checks.close()
                    self._checks = None
            finally:
                self._checks_lock.release()


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
