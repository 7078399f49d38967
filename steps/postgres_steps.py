"""Sentences about PostgreSQL: sessions as domain roles, schemas and privileges."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.outcome import Outcome
from steps.probes.postgres_probe import PostgresProbe, connect_outcome
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

WRONG_PASSWORD = "not-the-password"


@pytest.fixture
def pg_probes():
    opened: list[PostgresProbe] = []
    yield opened
    for probe in opened:
        probe.close()


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace(" and ", ",").split(",") if n.strip()]


@given(parsers.parse('a PostgreSQL session as "{role}"'), target_fixture="pg_session")
def pg_session(stack: Stack, evidence: Evidence, pg_probes: list, role: str) -> PostgresProbe:
    probe = PostgresProbe(stack.postgres_dsn(role), role, evidence)
    pg_probes.append(probe)
    return probe


@when(parsers.parse('"{role}" connects to PostgreSQL with a wrong password'), target_fixture="outcome")
def pg_wrong_password(stack: Stack, evidence: Evidence, role: str) -> Outcome:
    conn, outcome = connect_outcome(stack.postgres_dsn(role, WRONG_PASSWORD), evidence, f"{role} (wrong password)")
    if conn is not None:
        conn.close()
    return outcome


@when(parsers.parse('it runs the query "{sql}"'), target_fixture="outcome")
def it_runs_query(pg_session: PostgresProbe, sql: str) -> Outcome:
    return pg_session.run(sql)


@when(parsers.parse('it creates, writes and reads a table in schema "{schema}"'), target_fixture="outcome")
def create_write_read(pg_session: PostgresProbe, schema: str) -> Outcome:
    table = f"{schema}.acceptance_probe"
    for sql in (f"CREATE TABLE {table} (id int PRIMARY KEY, note text)",
                f"INSERT INTO {table} VALUES (1, 'written')"):
        outcome = pg_session.run(sql)
        if not outcome.ok:
            return outcome
    return pg_session.run(f"SELECT note FROM {table} WHERE id = 1")


@then(parsers.parse("the database has the schemas {names}"))
def database_has_schemas(pg_session: PostgresProbe, names: str):
    outcome = pg_session.run("SELECT nspname FROM pg_namespace")
    assert outcome.ok, outcome
    present = {row[0] for row in outcome.reply}
    missing = [n for n in _names(names) if n not in present]
    assert not missing, f"missing schemas: {missing}"


@then(parsers.parse('schema "{schema}" has the tables {names}'))
def schema_has_tables(pg_session: PostgresProbe, schema: str, names: str):
    outcome = pg_session.run("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
    assert outcome.ok, outcome
    present = {row[0] for row in outcome.reply}
    missing = [n for n in _names(names) if n not in present]
    assert not missing, f"schema {schema} lacks tables {missing} (has {sorted(present)})"
