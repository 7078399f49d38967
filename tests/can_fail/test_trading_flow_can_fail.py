"""Every scenario of features/trading_flow fails against a custodian broken in that contract.

The variants start the same code with a deliberate custodian fault (SIMULATOR_FAULTS; the list is
simulators/custodian/app.py FAULTS) in a copy of stack/ (tests/variants.py). Only the services the
flow needs run (HARNESS_SERVICES; their dependencies are added by the harness).
"""
from __future__ import annotations

import pytest

from ..variants import (
    CUSTODIAN,
    EXCHANGE,
    MARKET_DATA,
    OKX,
    Variant,
    assert_all_pass,
    assert_fails,
    fault,
    uncovered_scenarios,
)

FLOW = f"{EXCHANGE},{MARKET_DATA},{CUSTODIAN}"
FLOW_SCENARIOS = "a_funded_account_buys_btc or a_market_side_of_quantity or under_a_bounded_normal_load"

VARIANTS = {
    # issue 4 section 6: a custodian that never completes settlement
    "never-settles": Variant([fault(CUSTODIAN, "never-settles")], FLOW_SCENARIOS, f"{FLOW},{OKX}"),
    # the lifecycle: one step per cycle, through IN_PROGRESS
    "skips-in-progress": Variant([fault(CUSTODIAN, "skips-in-progress")],
                                 "a_movement_of_40_usd or sent_twice_over_api_is_settled_once "
                                 "or a_funded_account_buys_btc", FLOW),
    # reconciliation: completion that forgets the balances
    "positions-only": Variant([fault(CUSTODIAN, "positions-only")],
                              "a_movement_of_40_usd or a_funded_account_buys_btc", FLOW),
    "not-idempotent": Variant([fault(CUSTODIAN, "not-idempotent")], "sent_twice_over_api_is_settled_once", CUSTODIAN),
    "no-holdings-check": Variant([fault(CUSTODIAN, "no-holdings-check")], "the_account_cannot_cover_ends_failed",
                                 CUSTODIAN),
    "client-errors-as-500": Variant([fault(CUSTODIAN, "errors-500")],
                                    "instruction_with_problem_is_refused or a_malformed_settlement_instruction",
                                    CUSTODIAN),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_trading_flow_scenario_fails_against_broken_custodian(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_stack(run_features):
    assert_all_pass(VARIANTS, run_features)


def test_every_trading_flow_scenario_has_a_broken_variant():
    """Each scenario (outline) of features/trading_flow is named by some variant's selection."""
    uncovered = uncovered_scenarios("trading_flow", VARIANTS, minimum=8)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
