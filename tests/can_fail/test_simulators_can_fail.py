"""Every scenario of features/services fails against a simulator or stack broken in that contract.

The variants are the same code started with a deliberate fault (SIMULATOR_FAULTS, see
simulators/common/settings.py) or another setting, made in a copy of stack/ (tests/variants.py).
"""
from __future__ import annotations

import pytest

from ..services.router_variants import covered_fragments
from ..variants import (
    EXCHANGE,
    MARKET_DATA,
    OKX,
    SUPERUSER_URL,
    Variant,
    append,
    assert_all_pass,
    assert_fails,
    env,
    fault,
    label,
    text,
    uncovered_scenarios,
    without,
)

METRICS_SCENARIOS = ("prometheus_text_format or process_and_runtime_metrics or carries_its_service_instance_and_version"
                     " or counted_and_timed or increments_the_error_counter or route_pattern or groups_unknown_routes")
BINANCE_URL = ("postgres://exchange_binance_adapter:exchange-binance-adapter-db-pass@postgres:5432/"
               "trading_ecosystem?sslmode=disable")

VARIANTS = {
    # the service contract (TSE-0001.1a)
    "no-grpc-server": Variant([fault(EXCHANGE, "no-grpc")],
                              f"(starts_and_listens or grpc_health_check_with_serving) and {EXCHANGE}"),
    "health-answers-500": Variant(  # the harness waits for /metrics instead, so the stack starts
        [fault(EXCHANGE, "health-500"), label(EXCHANGE, "harness.health", "/metrics")],
        f"rest_health_check and {EXCHANGE}"),
    "keeps-registration-on-sigterm": Variant([fault(EXCHANGE, "no-deregister")], f"on_sigterm and {EXCHANGE}"),
    "slow-to-exit-on-sigterm": Variant([fault(EXCHANGE, "slow-shutdown")], f"on_sigterm and {EXCHANGE}"),
    "logs-plain-text": Variant([env(EXCHANGE, LOG_FORMAT="text")], f"logs_structured_json and {EXCHANGE}"),
    "client-errors-as-500": Variant([fault(EXCHANGE, "errors-500")], f"malformed_request and {EXCHANGE}"),
    # discovery and gRPC (TSE-0001.3b)
    "never-heartbeats": Variant([fault(EXCHANGE, "no-heartbeat")], f"heartbeats_keep and {EXCHANGE}"),
    "info-entry-left-to-expire": Variant([fault(EXCHANGE, "heartbeat-key-only")], f"heartbeats_keep and {EXCHANGE}"),
    "entries-never-expire": Variant([fault(EXCHANGE, "no-expiry")], f"killed_service_disappears and {EXCHANGE}"),
    "new-channel-per-call": Variant([fault(EXCHANGE, "no-channel-pool")], f"callee_through_discovery and {EXCHANGE}",
                                    f"{EXCHANGE},{MARKET_DATA}"),
    "asks-a-service-nobody-runs": Variant([env(EXCHANGE, MARKET_DATA_SERVICE="no-such-service")],
                                          "exchange_prices_btcusd", f"{EXCHANGE},{MARKET_DATA}"),
    "breaker-never-opens": Variant([env(EXCHANGE, CIRCUIT_BREAKER_FAILURES="1000")], f"circuit_breaker and {EXCHANGE}",
                                   f"{EXCHANGE},{MARKET_DATA}"),
    "config-not-cached": Variant([text("embedded.toml", "config_cache_ttl = 1.5", "config_cache_ttl = 0")],
                                 f"caches_a_configuration_value and {EXCHANGE}"),
    "feed-without-btc": Variant([env(MARKET_DATA, DEFAULT_SYMBOLS="ADA/USD,SOL/USD")],
                                "receives_a_marketdata_price_stream or serves_its_active_symbols", MARKET_DATA),
    "feed-with-any-symbol": Variant([env(MARKET_DATA, DEFAULT_SYMBOLS="BTC/USD,ETH/USD,XXX/USD")],
                                    "unknown_symbol_is_refused", MARKET_DATA),
    # data adapters (TSE-0001.4)
    "exchange-as-superuser": Variant([env(EXCHANGE, POSTGRES_URL=SUPERUSER_URL)],
                                     f"(stores_a_record or configured_with_its_own_credentials) and {EXCHANGE}"),
    "role-reads-another-schema": Variant(
        [append("postgres/init/05-market-data-schema.sql",
                "GRANT USAGE ON SCHEMA custodian TO exchange_adapter;\n"
                "GRANT SELECT ON ALL TABLES IN SCHEMA custodian TO exchange_adapter;")],
        f"role_cannot_read_the_other_schema and {EXCHANGE}"),
    "acl-grants-every-namespace": Variant([text("redis/users.acl", "~exchange:* +@read", "~* +@read")],
                                          f"keeps_its_redis_keys and {EXCHANGE}"),
    "not-registered": Variant([env(EXCHANGE, REGISTRY_URL="-")], f"registered_and_answers_health and {EXCHANGE}"),
    "ready-while-postgres-down": Variant([fault(EXCHANGE, "ready-ignores-postgres")],
                                         f"degrades_while_dependency and {EXCHANGE} and postgres"),
    "ready-while-redis-down": Variant([fault(EXCHANGE, "ready-ignores-redis")],
                                      f"degrades_while_dependency and {EXCHANGE} and redis"),
    "table-missing": Variant([append("postgres/init/05-market-data-schema.sql", "DROP TABLE exchange.order_history;")],
                             "schema_schema_holds and exchange"),
    "compose-without-healthcheck": Variant([without(EXCHANGE, "healthcheck")], "compose_file_deploys and exchange"),
    # multi-instance (TSE-0001.12.0)
    "instance-renamed": Variant([env(OKX, SERVICE_INSTANCE_NAME="exchange-okx-1")],
                                f"(reports_its_own_instance_name or metrics_of_instance) and {OKX}", OKX),
    "instance-writes-the-other-schema": Variant(
        [env(OKX, POSTGRES_URL=BINANCE_URL, POSTGRES_SCHEMA="exchange_binance")],
        f"keeps_its_data_in_its_own_schema and {OKX}", OKX),
    "instance-reads-the-other-schema": Variant(
        [append("postgres/init/06-exchange-instances.sql",
                "GRANT USAGE ON SCHEMA exchange_binance TO exchange_okx_adapter;\n"
                "GRANT SELECT ON ALL TABLES IN SCHEMA exchange_binance TO exchange_okx_adapter;")],
        f"cannot_reach_the_other_instances_data and {OKX}", OKX),
    # metrics (TSE-0001.12b)
    "metrics-label-full-path": Variant([fault(EXCHANGE, "metrics-full-path")], f"route_pattern and {EXCHANGE}"),
    "no-metrics-endpoint": Variant([fault(EXCHANGE, "no-metrics")], f"({METRICS_SCENARIOS}) and {EXCHANGE}"),
}


# What the failure of a variant must also show: the cause, from the service's own log lines.
NAMED = {"slow-to-exit-on-sigterm": "fault slow-shutdown: holding the exit up"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_simulator(name, run_features, stack_copy):
    result = assert_fails(VARIANTS[name], run_features, stack_copy)
    if name in NAMED:
        assert NAMED[name] in result.output, result.output[-3000:]


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_simulators(run_features):
    assert_all_pass(VARIANTS, run_features)


def test_every_simulator_scenario_has_a_broken_variant():
    """Each scenario (outline) of features/services is named by some variant's selection, or is one a broken
    order router fails (application_services.feature, tests/stack/test_foreign_service.py)."""
    uncovered = uncovered_scenarios("services", VARIANTS, minimum=30, also=covered_fragments())
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
