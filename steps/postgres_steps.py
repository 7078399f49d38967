"""Sentences about PostgreSQL: sessions as domain roles, schemas and privileges."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.dependencies import existing_domain_schema
from steps.probes.health_function import health_query, verdict
from steps.probes.outcome import Outcome
from steps.probes.postgres_probe import PostgresProbe, connect_outcome
from steps.probes.principals import postgres_role, schema
from trading_harness.errors import StackConfigError
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


@given(parsers.re(r"a PostgreSQL session as the (?P<who>superuser|\w+ (?:adapter|user))$"), target_fixture="pg_session")
def pg_session(stack: Stack, evidence: Evidence, pg_probes: list, who: str) -> PostgresProbe:
    role = postgres_role(stack.definition.profile, who)
    probe = PostgresProbe(stack.postgres_dsn(role), role, evidence)
    pg_probes.append(probe)
    return probe


@when(parsers.re(r"the (?P<who>superuser|\w+ (?:adapter|user)) connects to PostgreSQL with a wrong password$"),
      target_fixture="outcome")
def pg_wrong_password(stack: Stack, evidence: Evidence, who: str) -> Outcome:
    role = postgres_role(stack.definition.profile, who)
    conn, outcome = connect_outcome(stack.postgres_dsn(role, WRONG_PASSWORD), evidence, f"{role} (wrong password)")
    if conn is not None:
        conn.close()
    return outcome


@when(parsers.parse('it runs the query "{sql}"'), target_fixture="outcome")
def it_runs_query(pg_session: PostgresProbe, sql: str) -> Outcome:
    return pg_session.run(sql)


@when(parsers.parse("it creates, writes and reads a table in the {domain} schema"), target_fixture="outcome")
def create_write_read(stack: Stack, pg_session: PostgresProbe, domain: str) -> Outcome:
    table = f"{_schema(stack, domain)}.acceptance_probe"
    for sql in (f"CREATE TABLE {table} (id int PRIMARY KEY, note text)",
                f"INSERT INTO {table} VALUES (1, 'written')"):
        outcome = pg_session.run(sql)
        if not outcome.ok:
            return outcome
    return pg_session.run(f"SELECT note FROM {table} WHERE id = 1")


@when(parsers.parse("it reads table {table} of the {domain} schema"), target_fixture="outcome")
def reads_table(stack: Stack, pg_session: PostgresProbe, table: str, domain: str) -> Outcome:
    return pg_session.run(f"SELECT count(*) FROM {_schema(stack, domain)}.{table}")


@when(parsers.parse("it creates a table in the {domain} schema"), target_fixture="outcome")
def creates_table(stack: Stack, pg_session: PostgresProbe, domain: str) -> Outcome:
    return pg_session.run(f"CREATE TABLE {_schema(stack, domain)}.intruder (id int)")


@when(parsers.parse("it deletes every row of table {table} of the {domain} schema"), target_fixture="outcome")
def deletes_rows(stack: Stack, pg_session: PostgresProbe, table: str, domain: str) -> Outcome:
    return pg_session.run(f"DELETE FROM {_schema(stack, domain)}.{table}")


@then(parsers.parse("it is refused permission on the {domain} schema"))
def refused_schema(stack: Stack, outcome: Outcome, domain: str):
    expected = f"permission denied for schema {_schema(stack, domain)}"
    assert not outcome.ok, f"expected a refusal ({expected}), but it succeeded: {outcome.reply!r}"
    assert expected in outcome.error, f"expected refusal '{expected}', got {outcome}"


@when(parsers.parse("it calls the health_check() function of the {domain} schema"), target_fixture="outcome")
def calls_health_check(stack: Stack, pg_session: PostgresProbe, domain: str) -> Outcome:
    return pg_session.run(health_query(_schema(stack, domain)))


@then("the health check reports healthy")
def health_reports_healthy(outcome: Outcome):
    assert outcome.ok, f"health_check() failed: {outcome}"
    healthy, status = verdict(outcome.reply)
    assert healthy, f"health_check() reports {status!r}, not healthy"


@then(parsers.parse("the database has the schemas of the domains {domains}"))
def database_has_schemas(stack: Stack, pg_session: PostgresProbe, domains: str):
    outcome = pg_session.run("SELECT nspname FROM pg_namespace")
    assert outcome.ok, outcome
    present = {row[0] for row in outcome.reply}
    missing = []
    for domain in _names(domains):
        try:
            name = schema(stack.definition.profile, domain)
        except StackConfigError:
            missing.append(f"{domain} (the stack defines no schema for it)")
            continue
        if name not in present:
            missing.append(f"{domain} ({name})")
    assert not missing, f"missing schemas: {missing}"


@then(parsers.parse("the {domain} schema has the tables {names}"))
def schema_has_tables(stack: Stack, pg_session: PostgresProbe, domain: str, names: str):
    schema = _schema(stack, domain)
    outcome = pg_session.run("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
    assert outcome.ok, outcome
    present = {row[0] for row in outcome.reply}
    missing = [n for n in _names(names) if n not in present]
    assert not missing, f"schema {schema} lacks tables {missing} (has {sorted(present)})"


@then(parsers.parse("it can read every table of the domains {domains}"))
def reads_every_table(stack: Stack, evidence: Evidence, pg_session: PostgresProbe, domains: str):
    schemas = [_schema(stack, d) for d in _names(domains)]
    superuser = PostgresProbe(stack.postgres_dsn(), stack.definition.postgres.superuser, evidence)
    try:
        listed = superuser.run("SELECT table_schema, table_name FROM information_schema.tables "
                               "WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE'", (schemas,))
    finally:
        superuser.close()
    assert listed.ok and listed.reply, f"no table found in {schemas}: {listed}"
    refused = [f"{s}.{t}: {o}" for s, t in listed.reply if not (o := pg_session.run(f'SELECT count(*) FROM "{s}"."{t}"')).ok]
    assert not refused, f"{pg_session.role} cannot read:\n" + "\n".join(refused)


def _schema(stack: Stack, domain: str) -> str:
    """The domain's schema; a scenario that needs a schema the stack lacks depends on the schemas scenario."""
    return existing_domain_schema(stack, domain)
