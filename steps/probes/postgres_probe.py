"""Run SQL as one PostgreSQL role and classify the outcome."""
from __future__ import annotations

import psycopg

from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

from .outcome import Outcome


def connect_outcome(dsn: str, evidence: Evidence, who: str) -> tuple[psycopg.Connection | None, Outcome]:
    try:
        conn = psycopg.connect(dsn, autocommit=False)
        outcome = Outcome(True, reply="connected")
    except psycopg.Error as exc:
        conn, outcome = None, Outcome(False, error=str(exc).strip(), code=getattr(exc, "sqlstate", None) or "CONNECT")
    evidence.record("sql", f"connect as {who}", outcome, who=who)
    return conn, outcome


class PostgresProbe:
    """A session as one role; every statement runs in a transaction rolled back on close."""

    def __init__(self, dsn: str, role: str, evidence: Evidence):
        self.role = role
        self.evidence = evidence
        self.conn, self.connected = connect_outcome(dsn, evidence, role)
        if self.conn is None:
            raise AssertionError(f"cannot connect as {role}: {self.connected}")

    def run(self, sql: str, params: tuple | None = None) -> Outcome:
        self.conn.execute("SAVEPOINT probe")
        try:
            cursor = self.conn.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else cursor.rowcount
            self.conn.execute("RELEASE SAVEPOINT probe")
            outcome = Outcome(True, reply=rows)
        except psycopg.Error as exc:
            self.conn.execute("ROLLBACK TO SAVEPOINT probe")
            outcome = Outcome(False, error=str(exc).strip(), code=exc.sqlstate or type(exc).__name__)
        self.evidence.record("sql", f"{self.role}: {sql} {params or ''}".strip(), outcome, who=self.role)
        return outcome

    def close(self) -> None:
        try:
            self.conn.rollback()
        finally:
            self.conn.close()


def monitor_probe(stack: Stack, evidence: Evidence) -> PostgresProbe:
    """A read-only session as the profile's monitor role, which sees every schema."""
    role = stack.definition.profile.role("monitor")
    return PostgresProbe(stack.postgres_dsn(role), role, evidence)


def monitor_rows(stack: Stack, evidence: Evidence, sql: str, args: tuple = ()) -> list[tuple]:
    """The rows of one query as monitor_user; the query must succeed."""
    probe = monitor_probe(stack, evidence)
    try:
        outcome = probe.run(sql, args)
    finally:
        probe.close()
    assert outcome.ok, outcome
    return outcome.reply
