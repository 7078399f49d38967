"""Every scenario of features/orchestrator/chaos.feature fails against a stack broken in what it checks.

The variants are the chaos services started with a deliberate fault (SIMULATOR_FAULTS: a risk monitor
that never alerts, a correlator that drops the link, a reset that leaves market data shocked, a coordinator
without its own timeout, answers turned into 500s) or a scenario directory with one scenario missing.
"""
from __future__ import annotations

import pytest

from ..variants import Variant, assert_all_pass, assert_fails, fault, uncovered_scenarios

COORDINATOR, RISK, CORRELATOR = "test-coordinator", "risk-monitor", "audit-correlator"
OUTLINE = "is_injected_detected_within"


def scenario_missing(name: str):
    """One file removed from the stack copy's scenarios, which the coordinator reads through its bind."""
    return lambda root: (root / "scenarios" / f"{name}.yaml").unlink()


VARIANTS = {
    "risk-monitor-never-alerts": Variant([fault(RISK, "never-alerts")],
                                         f"{OUTLINE} or custom_scenario_file", COORDINATOR),
    "correlator-drops-the-link": Variant([fault(CORRELATOR, "drops-chaos-links")], OUTLINE, COORDINATOR),
    "reset-leaves-market-data-shocked": Variant([fault(COORDINATOR, "reset-skips-market-data")],
                                                f"{OUTLINE} or resets_a_held_scenario", COORDINATOR),
    "coordinator-without-timeout": Variant([fault(COORDINATOR, "no-timeout")], "resets_a_held_scenario", COORDINATOR),
    "scenario-file-missing": Variant([scenario_missing("feed-disruption")], "lists_the_six_scenarios", COORDINATOR),
    "refusals-as-500": Variant([fault(COORDINATOR, "errors-500")], "coordinator_refuses", COORDINATOR),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_chaos_scenario_fails_against_broken_stack(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_chaos_scenarios_pass_against_the_intact_stack(run_features):
    assert_all_pass(VARIANTS, run_features, timeout=400)


def test_every_chaos_scenario_has_a_broken_variant():
    """Each scenario (outline) of chaos.feature is named by some variant's selection."""
    uncovered = uncovered_scenarios("orchestrator/chaos.feature", VARIANTS, minimum=5)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
