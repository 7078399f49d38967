"""What a scenario needs that another scenario's criterion names: one defect, one failure.

A missing schema is named by "The database has all seven domain schemas", a missing table by
"The <domain> schema has its tables". Every
other scenario that needs one of them is skipped with DependsOnFailure, saying which failure it
depends on, instead of failing with its symptoms ("relation does not exist" once per constraint).
"""
from __future__ import annotations

import psycopg

from trading_harness.errors import DependsOnFailure, StackConfigError
from trading_harness.targets.stack import Stack

SCHEMAS_SCENARIO = "'The database has all seven domain schemas'"
CONNECT_TIMEOUT = 5


def _tables_scenario(schema: str) -> str:
    return f"'The {schema} schema has its tables'"


def domain_schema(stack: Stack, domain: str) -> str:
    """The schema the profile names for a domain; DependsOnFailure when the stack defines none."""
    try:
        return stack.definition.profile.domain_name(domain, "schema")
    except StackConfigError as exc:
        raise DependsOnFailure(f"depends on a schema of the {domain} domain, which the stack does not define "
                               f"(the failure of {SCHEMAS_SCENARIO}): {exc}") from None


def _superuser_query(stack: Stack, sql: str, params: tuple) -> list[tuple]:
    with psycopg.connect(stack.postgres_dsn(), connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


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
