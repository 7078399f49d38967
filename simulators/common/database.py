"""The PostgreSQL side of a simulator's data adapter: a small pool bound to its own schema.

Connections carry application_name = the instance name and search_path = the service's
schema, so the repositories use unqualified table names and never reach another schema.
The pool opens lazily: a service starts (in stub mode) while PostgreSQL is down.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger("adapter.postgres")
WAIT_SLICE = 0.1  # seconds a caller waits for a pooled connection before it looks whether the pool failed to open one


class DatabaseUnavailable(Exception):
    """PostgreSQL cannot be reached or refused the operation for a reason outside the request."""


class Database:
    def __init__(self, url: str, schema: str, application: str, *, max_size: int = 8, timeout: float = 2.0):
        self.schema = schema
        self.timeout = timeout
        self._refused_at = 0.0  # when the pool last failed to open a connection
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, timeout=timeout, name=f"{application}-pg",
            check=None, reconnect_timeout=0, reconnect_failed=self._refused,  # checked in _getconn
            kwargs={"application_name": application, "connect_timeout": max(1, round(timeout)),
                    "options": f"-c search_path={schema}", "autocommit": False},
        )

    def open(self) -> None:
        self.pool.open(wait=False)

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        try:
            conn = self._getconn()
            try:
                with conn:
                    yield conn
            finally:
                self.pool.putconn(conn)
        except PoolTimeout as exc:
            raise DatabaseUnavailable(f"no PostgreSQL connection within {self.timeout}s") from exc
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(str(exc).strip()) from exc

    def _getconn(self) -> psycopg.Connection:
        """A pooled connection that answers, within the timeout.

        The pool's own check sleeps 1 s, then 2 s, after each broken connection it meets, and a restarted
        PostgreSQL leaves every idle one broken: the first request after a restart waited out its timeout. Here
        the first broken connection drops every broken one at once. And a caller waits in slices: once the pool
        has failed to open a connection since the caller began, PostgreSQL is down and waiting longer is no use."""
        began = time.monotonic()
        deadline = began + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PoolTimeout()
            try:
                conn = self.pool.getconn(timeout=min(WAIT_SLICE, remaining))
            except PoolTimeout:
                if self._refused_at > began:
                    raise DatabaseUnavailable("PostgreSQL refused a new connection (this service's log says why)") \
                        from None
                continue
            try:
                ConnectionPool.check_connection(conn)
                return conn
            except psycopg.Error:
                self.pool.putconn(conn)  # broken: the pool closes it and opens another
                self.pool.check()  # and drops the other broken idle connections now

    def _refused(self, pool: ConnectionPool) -> None:
        self._refused_at = time.monotonic()

    def one(self, query: str, args: tuple) -> dict | None:
        """The first row of a query as a JSON-ready dict, or None."""
        with self.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, args)
            row = cur.fetchone()
            return jsonable(row) if row else None

    def check(self) -> tuple[bool, str]:
        """(True, "ok") when a pooled connection answers a query; else (False, why). One round trip, _getconn's
        empty query, where a transaction around SELECT 1 took four; readiness asks five times a second."""
        try:
            try:
                self.pool.putconn(self._getconn())
            except PoolTimeout as exc:
                raise DatabaseUnavailable(f"no PostgreSQL connection within {self.timeout}s") from exc
            return True, "ok"
        except (DatabaseUnavailable, psycopg.Error) as exc:
            return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    def identity(self) -> dict[str, str]:
        """The role and schema the adapter really uses, as PostgreSQL reports them."""
        with self.transaction() as conn:
            user, schema = conn.execute("SELECT current_user, current_schema()").fetchone()
        return {"role": user, "schema": schema}

    def close(self) -> None:
        self.pool.close(timeout=1)


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
