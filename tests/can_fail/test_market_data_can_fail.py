"""Every scenario of features/market_data fails against a market-data simulator broken in that contract.

The variants are the same code started with a deliberate fault (SIMULATOR_FAULTS: the market-data
domain faults are listed in simulators/market_data/app.py) or another setting, made in a copy of stack/.
"""
from __future__ import annotations

import pytest

from ..variants import (
    MARKET_DATA,
    Variant,
    append,
    assert_all_pass,
    assert_fails,
    env,
    fault,
    uncovered_scenarios,
)

IN_FOLDER = "market_data"  # the features/market_data folder: a node name -k matches
WRONG_PASSWORD_URL = ("postgres://market_data_adapter:wrong-password@postgres:5432/trading_ecosystem?sslmode=disable")
BROKEN_ROWS = """
ALTER TABLE market_data.candles DROP CONSTRAINT low_lte_open_close;
INSERT INTO market_data.candles (symbol, interval, open, high, low, close, start_time, end_time)
VALUES ('BTC/USD', '1m', 100, 120, 110, 115, now() - interval '2 minutes', now() - interval '1 minute');
"""


def variant(changes, selection: str) -> Variant:
    return Variant(changes, f"{IN_FOLDER} and ({selection})", MARKET_DATA)


VARIANTS = {
    # the two feed variants
    "a feed whose spread drifts": variant([fault(MARKET_DATA, "spread-drift")], "fixed_at_10_basis_points"),
    "a feed that drops every 10th update": variant([fault(MARKET_DATA, "drop-every-10th")],
                                                   "exactly_what_market_data_published"),
    # TSE-0001.5
    "a fan-out that streams every update 1 s late": variant([fault(MARKET_DATA, "late-fanout")],
                                           "within_three_price_intervals or within_50_ms"),
    "a feed without BTC/USD": variant([env(MARKET_DATA, DEFAULT_SYMBOLS="ADA/USD,SOL/USD")], "current_price_of_symbol"),
    "a feed that prices any symbol": variant([env(MARKET_DATA, DEFAULT_SYMBOLS="BTC/USD,ETH/USD,XXX/USD")],
                                             "unknown_symbol_is_answered"),
    "a feed too volatile": variant([env(MARKET_DATA, PRICE_SIGMA="0.02")], "volatility_that_stays_within"),
    "a history of 5 prices": variant([env(MARKET_DATA, PRICE_HISTORY_LENGTH="5")], "history_of_each_symbol"),
    "no metrics endpoint": variant([fault(MARKET_DATA, "no-metrics")], "count_the_published_updates"),
    "an audit API that serves no route": variant([fault(MARKET_DATA, "no-audit-routes")],
                            "audit_api_sets or audit_api_applies or audit_api_pauses or audit_api_refuses"),
    "the audit API on the production port": variant([fault(MARKET_DATA, "audit-on-production")],
                                                     "production_port_does_not_serve"),
    # TSE-0001.4.3
    "market data in stub mode (wrong database password)": variant(
        [env(MARKET_DATA, POSTGRES_URL=WRONG_PASSWORD_URL)], "the_feed_stores_what"),
    "a candle that breaks the OHLC rules": variant([append("postgres/init/05-market-data-schema.sql", BROKEN_ROWS)],
                                                   "satisfy_the_ohlc_rules"),
    # TSE-0001.3b scenario simulation
    "scenarios that follow the live price, unchecked": variant(
        [fault(MARKET_DATA, "naive-scenarios")], "documented_shape or problem_is_refused"),
    # TSE-0001.13a resilience
    "a feed that ticks 3 s after a restart": variant([fault(MARKET_DATA, "late-feed")],
                                                     "resumes_receiving_within_2_s"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_market_data(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_market_data(run_features):
    assert_all_pass(VARIANTS, run_features, timeout=400)


def test_every_market_data_scenario_has_a_broken_variant():
    """Each scenario (outline) of features/market_data is named by some variant's selection."""
    uncovered = uncovered_scenarios("market_data", VARIANTS, minimum=15)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
