"""Every scenario of features/exchange fails against an exchange broken in that behaviour.

The variants are the exchange started with one of its domain faults (simulators/exchange/app.py
FAULTS, switched on with SIMULATOR_FAULTS) or a stack copy without a constraint (tests/variants.py).
The issue names two of them: an exchange that fills at a stale price, and one that lets an order
overdraw (the balance check and the debit in separate transactions).
"""
from __future__ import annotations

import pytest

from ..variants import (
    CUSTODIAN,
    EXCHANGE,
    MARKET_DATA,
    SUPERUSER_URL,
    Variant,
    append,
    assert_all_pass,
    assert_fails,
    env,
    fault,
    uncovered_scenarios,
)

TRADING = f"{EXCHANGE},{MARKET_DATA}"

VARIANTS = {
    # the two (section 6)
    "fills-at-a-stale-price": Variant([fault(EXCHANGE, "stale-price")], "also_after_the_price_moves", TRADING),
    "lets-an-order-overdraw": Variant([fault(EXCHANGE, "non-atomic-balance-check")],
                                      "parallel_against_one_account_never_overdraw", TRADING),
    # accounts and balances (TSE-0001.5a)
    "no-usdt-balance": Variant([fault(EXCHANGE, "no-usdt")], "reads_it_back_with_its_four_balances", TRADING),
    "duplicate-accounts-allowed": Variant(
        [append("postgres/init/04-exchange-schema.sql",
                "ALTER TABLE exchange.accounts DROP CONSTRAINT unique_user_account_type;")],
        "second_spot_account_for_the_same_user", TRADING),
    "deposit-credits-locked": Variant([fault(EXCHANGE, "deposit-to-locked")], "shows_in_the_available", TRADING),
    "no-balance-check": Variant([fault(EXCHANGE, "no-balance-check")],
                                "cannot_cover_is_refused or cannot_cover_is_rejected", TRADING),
    "no-audit-trail": Variant([fault(EXCHANGE, "no-audit")],
                              "leave_an_audit_trail or reads_final_and_its_history or appears_in_the_transaction_history",
                              TRADING),
    # orders (TSE-0001.5b)
    "book-ignores-time-priority": Variant([fault(EXCHANGE, "lifo-book")], "match_with_pricetime_priority", TRADING),
    "book-forgotten-on-restart": Variant([fault(EXCHANGE, "no-book-rebuild")], "back_on_the_book_after_the_exchange_restarts",
                                         TRADING),
    "cancel-keeps-funds-locked": Variant([fault(EXCHANGE, "cancel-keeps-lock")], "releases_its_locked_balance", TRADING),
    "client-errors-as-500": Variant([fault(EXCHANGE, "errors-500")], "gets_a_4xx_json_error", TRADING),
    "money-as-floats": Variant([fault(EXCHANGE, "float-money")], "exact_decimals_end_to_end", TRADING),
    # storage (TSE-0001.4.2)
    "exchange-as-superuser": Variant([env(EXCHANGE, POSTGRES_URL=SUPERUSER_URL)],
                                     "its_fill_in_exchangetrades or are_the_rows_of_exchangebalances", TRADING),
    # settlement towards the custodian (TSE-0001.12b)
    "never-dispatches-settlement": Variant([fault(EXCHANGE, "no-settlement")], "instructed_to_the_custodian",
                                           f"{TRADING},{CUSTODIAN}"),
    "drops-unacknowledged-instructions": Variant([fault(EXCHANGE, "settlement-no-retry")],
                                                 "sent_once_it_is_back", f"{TRADING},{CUSTODIAN}"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_exchange(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_parallel_orders_overdraw_every_time(attempt, run_features, stack_copy):
    """The race is not left to luck: the non-atomic check overdraws on every run."""
    assert_fails(VARIANTS["lets-an-order-overdraw"], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_exchange(run_features):
    assert_all_pass(VARIANTS, run_features, timeout=400)


def test_every_exchange_scenario_has_a_broken_variant():
    """Each scenario (outline) of features/exchange is named by some variant's selection."""
    uncovered = uncovered_scenarios("exchange", VARIANTS, minimum=15)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
