"""Sentences about the domain tables' constraints: valid rows go in, violating rows are refused."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.dependencies import require_table
from steps.probes.pg_rows import SQLSTATE, InsertResult, RowProbe, role_for
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

# The refusals that enforce a rule of each kind (the name of the constraint is the stack's own).
REFUSALS = {"check": (SQLSTATE["check"], SQLSTATE["not null"], SQLSTATE["foreign key"]),
            "unique": (SQLSTATE["unique"],), "foreign key": (SQLSTATE["foreign key"],)}


@pytest.fixture
def row_probes():
    """Every RowProbe of the scenario; each is rolled back and closed at the end."""
    opened: list[RowProbe] = []
    yield opened
    for probe in opened:
        probe.close()


@given(parsers.re(r'the adapter role of "(?P<table>[^"]+)" has an open transaction'), target_fixture="row_probe")
def adapter_transaction(stack: Stack, evidence: Evidence, unique: str, row_probes: list, table: str) -> RowProbe:
    require_table(stack, table)  # a missing table is named by the tables scenario, not once per constraint
    role = role_for(stack.definition.profile, table)
    probe = RowProbe(stack.postgres_dsn(role), role, evidence, unique)
    row_probes.append(probe)
    return probe


@when(parsers.re(r'it inserts a valid baseline row into "(?P<table>[^"]+)"'), target_fixture="baseline_insert")
def insert_baseline(row_probe: RowProbe, table: str) -> InsertResult:
    return row_probe.insert_baseline(table)


@then("the baseline row is accepted")
def baseline_accepted(baseline_insert: InsertResult):
    assert baseline_insert.accepted, f"a valid {baseline_insert.table} row was refused: {baseline_insert}"


@when(parsers.re(r'it inserts a row into "(?P<table>[^"]+)" that breaks "(?P<constraint>[^"]+)" with (?P<change>.+)'),
      target_fixture="violating_insert")
def insert_violation(row_probe: RowProbe, table: str, constraint: str, change: str) -> InsertResult:
    return row_probe.insert_violation(table, constraint, change)


@when(parsers.re(r'it inserts a row into "(?P<table>[^"]+)" with (?P<column>\w+) set to NULL'),
      target_fixture="violating_insert")
def insert_null(row_probe: RowProbe, table: str, column: str) -> InsertResult:
    return row_probe.insert_violation(table, "", f"{column}=NULL")


@then(parsers.re(r'the row is rejected by the (?P<kind>check|unique|foreign key) constraint "(?P<constraint>[^"]+)"'))
def rejected_by_constraint(evidence: Evidence, violating_insert: InsertResult, kind: str, constraint: str):
    """The criterion's rule, by behaviour: the row is refused by a constraint of the table (a CHECK may be
    enforced by any CHECK, foreign key or NOT NULL), under whatever name the stack gives it."""
    result = violating_insert
    assert not result.accepted, f"expected the row that breaks {kind} constraint {constraint} to be refused, but it was {result}"
    assert result.sqlstate in REFUSALS[kind], (
        f"expected a refusal by a {kind} constraint like {constraint} (SQLSTATE {'/'.join(REFUSALS[kind])}), got {result}")
    assert result.error_table == result.table, f"the error names table {result.error_table}, not {result.table}"
    if result.constraint != constraint:
        evidence.record("sql", f"{result.table}: the rule of {constraint}", f"enforced by {result.constraint or result.column}")


@then(parsers.re(r'the row is rejected because "(?P<column>\w+)" is NOT NULL'))
def rejected_not_null(violating_insert: InsertResult, column: str):
    result = violating_insert
    assert not result.accepted, f"expected NOT NULL on {column} to refuse the row, but it was {result}"
    assert (result.sqlstate, result.column) == (SQLSTATE["not null"], column), (
        f"expected SQLSTATE {SQLSTATE['not null']} on column {column}, got {result}")
