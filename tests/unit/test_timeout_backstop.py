"""The backstop for a hang: a scenario that never ends fails after the timeout, naming itself with the stack of
every thread, and the run goes on (pytest-timeout, set in pyproject.toml)."""
from __future__ import annotations

import textwrap

from ..miniproject import project, run

FEATURE = textwrap.dedent("""
    Feature: A hang

      @criterion:exchange.1a.grpc-health @exchange
      Scenario: A scenario that never ends
        Given a service
        Then it waits to be stopped

      @criterion:exchange.1a.rest-health @exchange
      Scenario: A scenario after it
        Given a service
        Then it answers
""")


def test_a_hanging_scenario_fails_naming_itself_and_the_next_one_runs(tmp_path):
    root = project(tmp_path / "project", feature=FEATURE)
    proc, output = run(root, "--gate-allow-incomplete", "--timeout", "2", timeout=90)
    assert proc.returncode == 1, output[-3000:]
    assert "1 failed, 1 passed" in output, output[-3000:]
    assert "Failed: Timeout (>2.0s)" in output, output[-3000:]
    assert "FAILED features/health/health.feature::test_a_scenario_that_never_ends" in output, \
        output[-3000:]
    assert "in holds" in output, "the timeout names where the scenario hung\n" + output[-3000:]


def test_the_project_sets_the_backstop_for_every_run(pytestconfig):
    """pyproject.toml: far beyond the slowest test (minutes), so that only a hang reaches it."""
    assert float(pytestconfig.getini("timeout")) == 900
    assert pytestconfig.getini("timeout_method") == "signal"  # a failure and teardown, not the thread method's exit
