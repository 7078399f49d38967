"""Which services the Prometheus scenarios expect scraped, and at which path: every application service
of the contract (a registry that is a shell script on alpine included, exporters and tools not), at the
path its job's metrics_path names (either of the contract's two), and a non-200 scrape is one failure
naming the path, never a parse error. Unit tests: no stack starts."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import httpx
import pytest

from steps.observability_steps import lint_metrics
from steps.probes.prometheus_config import (
    http_services,
    metrics_path,
    read_scrapes,
    scraped_in_this_run,
    scrapes,
    wrongly_scraped,
)
from trading_harness.definition import StackDefinition

from ..conftest import REPO, STACK

ECOSYSTEM = REPO / "tests" / "stacks" / "ecosystem"


def _copy(tmp_path, source=ECOSYSTEM):
    root = tmp_path / "stack"
    shutil.copytree(source, root)
    return root


def test_the_http_services_are_the_application_services_whatever_they_run():
    services = http_services(StackDefinition.load(ECOSYSTEM))
    assert "service-registry" in services  # a shell script on alpine, not a `python -m` service
    assert {"order-router", "exchange-simulator", "trading-system-engine"} <= set(services)
    assert not {"redis", "postgres", "redis-exporter", "postgres-exporter", "grafana", "jaeger", "prometheus",
                "otel-collector"} & set(services)


def test_the_reference_stack_has_the_same_http_services_as_before():
    definition = StackDefinition.load(STACK)
    assert set(http_services(definition)) == {n for n, s in definition.services.items() if s.kind == "python"}


def test_a_service_is_scraped_at_its_jobs_metrics_path():
    definition = StackDefinition.load(ECOSYSTEM)
    scraped = read_scrapes(definition)
    assert metrics_path(definition.services["trading-system-engine"], scraped) == "/api/v1/metrics"
    assert metrics_path(definition.services["order-router"], scraped) == "/api/v1/metrics"
    assert metrics_path(definition.services["risk-monitor"], scraped) == "/metrics"
    assert wrongly_scraped(definition, scraped) == ([], [])


def test_a_service_no_job_scrapes_is_named_and_an_unserved_path_too(tmp_path):
    definition = StackDefinition.load(_copy(tmp_path))
    config = {"scrape_configs": [
        {"job_name": "apps", "metrics_path": "/stats", "static_configs": [{"targets": ["order-router:8090"]}]},
        {"job_name": "engine", "static_configs": [{"targets": ["trading-system-engine:8083"]}]}]}
    missing, wrong = wrongly_scraped(definition, scrapes(config))
    assert "service-registry (service-registry:8080)" in missing and len(missing) == len(http_services(definition)) - 2
    assert wrong == ["order-router:8090: job apps scrapes http://order-router:8090/stats (the service serves /metrics "
                     "or /api/v1/metrics)"]


@pytest.mark.parametrize("config", [None, [], {"scrape_configs": "x"}, {"scrape_configs": [1, {"static_configs": [2]}]}])
def test_a_malformed_configuration_scrapes_nothing_and_raises_nothing(config):
    assert scrapes(config) == {}


def test_a_scrape_that_is_not_200_is_one_failure_naming_the_path():
    request = httpx.Request("GET", "http://127.0.0.1:1/api/v1/metrics")
    reply = httpx.Response(404, json={"error": "not_found", "message": "Not Found"}, request=request)
    evidence = SimpleNamespace(record=lambda *a: None)
    with pytest.raises(AssertionError) as failure:
        lint_metrics({"order-router": reply}, evidence)
    assert "order-router: /api/v1/metrics answered 404" in str(failure.value)


def test_targets_on_services_the_run_leaves_out_are_not_expected_up():
    definition = StackDefinition.load(ECOSYSTEM)
    every = scraped_in_this_run(definition)
    assert "redis-exporter:9121" in every and len(every) == 11
    definition.absent = {"redis-exporter": "an exporter", "postgres-exporter": "an exporter"}
    assert len(scraped_in_this_run(definition)) == 9 and "redis-exporter:9121" not in scraped_in_this_run(definition)
