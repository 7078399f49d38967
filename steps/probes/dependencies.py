"""What a scenario needs that another scenario's criterion names: one defect, one failure.

A missing schema is named by "The database has all seven domain schemas", a missing table by
"The <domain> schema has its tables". Every
other scenario that needs one of them is skipped with DependsOnFailure, saying which failure it
depends on, instead of failing with its symptoms ("relation does not exist" once per constraint).
"""
from __future__ import annotations

import atexit
import threading

import psycopg

from trading_harness.errors import DependsOnFailure, StackConfigError
from trading_harness.targets.stack import Stack

SCHEMAS_SCENARIO = "'The database has all seven domain schemas'"
CONNECT_TIMEOUT = 5
STATEMENT_TIMEOUT_MS = 5000
APPLICATION_NAME = "trading-harness-dependencies"


def _tables_scenario(schema: str) -> str:
    return f"'The {schema} schema has its tables'"


def domain_schema(stack: Stack, domain: str) -> str:
    """The schema the profile names for a domain; DependsOnFailure when the stack defines none."""
    try:
        return stack.definition.profile.domain_name(domain, "schema")
    except StackConfigError as exc:
        raise DependsOnFailure(f"depends on a schema of the {domain} domain, which the stack does not define "
                               f"(the failure of {SCHEMAS_SCENARIO}): {exc}") from None


class _Catalogue:
    """One superuser connection per stack for these catalogue reads, opened again when it broke (PostgreSQL
    stopped or restarted): a new connection for each of the ~230 checks of a run cost 2 s of connecting."""

    def __init__(self) -> None:
        self._connections: dict[str, psycopg.Connection] = {}
        self._lock = threading.Lock()
        atexit.register(self.close)

    def query(self, dsn: str, sql: str, params: tuple) -> list[tuple]:
        with self._lock:
            conn = self._connection(dsn)
            try:
                return conn.execute(sql, params).fetchall()
            except psycopg.OperationalError:  # PostgreSQL dropped it (a stop or a restart): once more, connected anew
                self._connections.pop(dsn, None)
                conn.close()
            return self._connection(dsn).execute(sql, params).fetchall()

    def _connection(self, dsn: str) -> psycopg.Connection:
        conn = self._connections.get(dsn)
        if conn is None or conn.closed:
            conn = self._connections[dsn] = psycopg.connect(
                dsn, connect_timeout=CONNECT_TIMEOUT, autocommit=True, application_name=APPLICATION_NAME,
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections.values():
                conn.close()
            self._connections.clear()


_CATALOGUE = _Catalogue()


def _superuser_query(stack: Stack, sql: str, params: tuple) -> list[tuple]:
    return _CATALOGUE.query(stack.postgres_dsn(), sql, params)


def require_schema(stack: Stack, schema: str) -> str:
    """The schema, or DependsOnFailure when the database has no such schema."""
    if not _superuser_query(stack, "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)):
        raise DependsOnFailure(f"depends on schema {schema}, which does not exist (the failure of {SCHEMAS_SCENARIO})")
    return schema


def existing_domain_schema(stack: Stack, domain: str) -> str:
    return require_schema(stack, domain_schema(stack, domain))


def require_table(stack: Stack, table: str) -> str:
    """The schema-qualified table, or DependsOnFailure naming the missing schema or table."""
    schema, _, name = table.partition(".")
    require_schema(stack, schema)
    found = _superuser_query(stack, "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                                    "AND table_name = %s", (schema, name))
    if not found:
        raise DependsOnFailure(f"depends on table {table}, which does not exist (the failure of "
                               f"{_tables_scenario(schema)})")
    return table
