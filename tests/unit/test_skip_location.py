"""A scenario skipped because the target lacks a service is reported at its own line of its .feature file."""
from __future__ import annotations

import textwrap

from ..miniproject import project, run

FEATURE = textwrap.dedent("""\
    @TSE-0001.1a
    Feature: A service the target lacks

      @criterion:exchange.1a.rest-health @exchange
      Scenario: The exchange answers REST health
        Given a service the target does not list
        Then it answers

      @criterion:exchange.1a.grpc-health @exchange
      Scenario: The exchange answers gRPC health
        Given a service the target does not list
        Then it answers
""")
STEPS = '''
    from trading_harness.errors import ServiceAbsent


    @given("a service the target does not list")
    def absent():
        raise ServiceAbsent("the external target does not list service 'exchange-simulator'")
'''


def test_each_skipped_scenario_names_its_own_line(tmp_path):
    root = project(tmp_path, feature=FEATURE, conftest_extra=STEPS)
    proc, output = run(root, "-rs", "--gate-allow-incomplete")
    lines = [n for n, text in enumerate(FEATURE.splitlines(), start=1) if text.strip().startswith("Scenario:")]
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert [f"health.feature:{n}:" in " ".join(skipped) for n in lines] == [True, True], (lines, skipped, output[-2000:])
