"""steps/probes/dependencies.py on a real PostgreSQL: one connection for all its checks, a new one after a restart."""
from __future__ import annotations

import psycopg
import pytest

from steps.probes import dependencies
from trading_harness.definition import StackDefinition
from trading_harness.errors import DependsOnFailure
from trading_harness.targets.embedded import EmbeddedStack

from ..conftest import STACK


@pytest.fixture(scope="module")
def stack():
    running = EmbeddedStack.up(StackDefinition.load(STACK), only=["postgres"])
    yield running
    dependencies._CATALOGUE.close()
    running.close()


def sessions(stack) -> int:
    with psycopg.connect(stack.postgres_dsn(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                            (dependencies.APPLICATION_NAME,)).fetchone()[0]


def test_the_checks_name_what_is_missing_and_share_one_connection(stack):
    for _ in range(5):
        assert dependencies.require_table(stack, "exchange.accounts") == "exchange.accounts"
    with pytest.raises(DependsOnFailure, match="schema nowhere, which does not exist"):
        dependencies.require_schema(stack, "nowhere")
    with pytest.raises(DependsOnFailure, match="table exchange.nothing, which does not exist"):
        dependencies.require_table(stack, "exchange.nothing")
    assert sessions(stack) == 1


def test_a_restarted_postgres_is_connected_to_again(stack):
    dependencies.require_schema(stack, "exchange")
    stack.stop("postgres")
    stack.start("postgres")
    assert dependencies.require_schema(stack, "exchange") == "exchange"
    assert sessions(stack) == 1


def test_a_stopped_postgres_is_an_error_not_a_skip(stack):
    """PostgreSQL down is not a missing schema: the check raises the connection's error."""
    dependencies.require_schema(stack, "exchange")
    stack.stop("postgres")
    try:
        with pytest.raises(psycopg.OperationalError):
            dependencies.require_schema(stack, "exchange")
    finally:
        stack.start("postgres")
