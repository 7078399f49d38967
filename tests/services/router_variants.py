"""The order router's broken variants: each breaks one criterion of features/services/application_services.feature.

tests/stack/test_foreign_service.py runs them; the can-fail coverage check counts their scenarios as covered.
"""
from __future__ import annotations

SUPERUSER_URL = "postgres://postgres:postgres-dev-pass@postgres:5432/trading_ecosystem?sslmode=disable"

SCENARIOS = {  # criterion key -> a fragment of its scenario's test name
    "health": "answers_its_rest_health_check",
    "ready": "answers_that_it_is_ready",
    "metrics": "exposes_prometheus_metrics",
    "structured": "logs_structured_json_lines",
    "clean": "logs_an_error_line",
    "shutdown": "exits_0_within_5_seconds_of_sigterm",
    "credentials": "uses_its_own_adapter_credentials",
    "namespace": "keeps_its_redis_keys_in_its_own_namespace",
    "schema": "reaches_its_own_postgresql_schema",
}

BROKEN = {  # variant -> (the router's environment, the criteria it breaks)
    "unhealthy": ({"ORDER_ROUTER_FAULTS": "unhealthy"}, {"health"}),
    "no-ready": ({"ORDER_ROUTER_FAULTS": "no-ready"}, {"ready"}),
    "no-metrics": ({"ORDER_ROUTER_FAULTS": "no-metrics"}, {"metrics"}),
    "plain-logs": ({"ORDER_ROUTER_FAULTS": "plain-logs"}, {"structured"}),
    "error-logs": ({"ORDER_ROUTER_FAULTS": "error-logs"}, {"clean"}),
    "slow-shutdown": ({"ORDER_ROUTER_FAULTS": "slow-shutdown"}, {"shutdown"}),
    "as-superuser": ({"DATABASE_URL": SUPERUSER_URL}, {"credentials"}),
    "another-namespace": ({"CACHE_NAMESPACE": "exchange"}, {"namespace"}),  # its Redis user may not write exchange:*
    "another-schema": ({"POSTGRES_SCHEMA": "exchange"}, {"schema"}),  # its role may not use the exchange schema
}


def covered_fragments() -> set[str]:
    """The scenario-name fragments some broken router fails."""
    return {SCENARIOS[key] for _, broken in BROKEN.values() for key in broken}
