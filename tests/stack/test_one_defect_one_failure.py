"""One defect, one failure: a missing schema or table is named once, by the scenario whose criterion it
breaks, and every scenario that needs it is skipped saying which failure it depends on. A constraint
that keeps the criterion's rule under another name passes."""
from __future__ import annotations

import shutil

from ..conftest import STACK

POSTGRES = {"HARNESS_SERVICES": "redis,postgres"}


def _stack_with_sql(tmp_path, sql: str):
    root = tmp_path / "stack"
    shutil.copytree(STACK, root)
    last = sorted((root / "postgres" / "init").glob("*.sql"))[-1]
    last.write_text(last.read_text() + "\n" + sql + "\n")
    return root


def _states(result) -> dict[str, set[str]]:
    states: dict[str, set[str]] = {}
    for name, state in result.outcomes().items():
        states.setdefault(state, set()).add(name)
    return states


def test_a_missing_schema_fails_only_the_schemas_scenario(tmp_path, run_features):
    root = _stack_with_sql(tmp_path, "DROP SCHEMA test_coordination CASCADE;")
    result = run_features("--stack-dir", str(root), "-m", "postgres", "-rs", env=POSTGRES, timeout=600)
    states = _states(result)
    assert states.get("failed") == {"test_the_database_has_all_seven_domain_schemas"}, result.output[-4000:]
    assert "error" not in states, result.output[-4000:]
    assert len(states.get("skipped", ())) >= 3, result.output[-4000:]  # own schema, health_check(), another's CREATE
    reasons = [line for line in result.output.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("depends on schema test_coordination, which does not exist (the failure of 'The "
                           "database has all seven domain schemas')" in line for line in reasons), reasons


def test_a_missing_table_fails_only_the_tables_scenario(tmp_path, run_features):
    root = _stack_with_sql(tmp_path, "DROP TABLE exchange.order_history;")
    result = run_features("--stack-dir", str(root), "-m", "postgres", "-rs", env=POSTGRES, timeout=600)
    failed = _states(result).get("failed", set())
    assert len(failed) == 1 and all("schema_has_its_tables" in name for name in failed), result.output[-4000:]
    assert "depends on table exchange.order_history, which does not exist" in result.output, result.output[-4000:]


def test_a_constraint_under_another_name_keeps_the_criterion(tmp_path, run_features):
    """The stack's own names for a CHECK and a UNIQUE constraint: the rule is what counts."""
    root = _stack_with_sql(tmp_path, "ALTER TABLE exchange.accounts RENAME CONSTRAINT valid_account_type "
                                     "TO accounts_account_type_check;\n"
                                     "ALTER TABLE custodian.positions RENAME CONSTRAINT unique_account_symbol "
                                     "TO positions_account_id_symbol_key;")
    result = run_features("--stack-dir", str(root), "-k", "enforces_the and (accounts or positions)",
                          env=POSTGRES, timeout=600)
    states = _states(result)
    assert set(states) == {"passed"}, result.output[-4000:]
    assert len(states["passed"]) >= 5
