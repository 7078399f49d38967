"""Every scenario of features/observability fails against a stack broken in that contract.

Variants are copies of stack/ with one change (tests/variants.py): a Prometheus configuration that
forgets the registry, names a job twice or scrapes the wrong path; a simulator that exports the
seeds' `instance` label or a metric name promtool refuses; an exchange that does not propagate the
trace context; an audit correlator that groups events whatever their trace; a dashboard that queries
a metric nobody exports.
"""
from __future__ import annotations

import pytest
import yaml

from ..variants import EXCHANGE, OKX, Variant, assert_all_pass, assert_fails, fault, text, uncovered_scenarios

PROMETHEUS_YML = "prometheus/prometheus.yml"
EVERYTHING = "prometheus"  # depends on every HTTP service: the whole stack
FLOW = "exchange-simulator,market-data-simulator,custodian-simulator,audit-correlator"
SCRAPE_CONFIG = "configuration_is_valid_and_scrapes_every_http_service"
TARGETS_UP = "prometheus_reports_up__1_for_every_target"
COLLISIONS = "no_exported_label_collides_with_a_prometheus_target_label"
INSTANCES_APART = "tells_the_instances_of_every_service_apart"


def prometheus_jobs(change):
    """Edit the scrape_configs of a copy's prometheus.yml."""
    def apply(root) -> None:
        path = root / PROMETHEUS_YML
        config = yaml.safe_load(path.read_text())
        change(config["scrape_configs"])
        path.write_text(yaml.safe_dump(config, sort_keys=False))
    return apply


def _drop(jobs: list, name: str) -> None:
    before = len(jobs)
    jobs[:] = [job for job in jobs if job["job_name"] != name]
    assert len(jobs) < before, f"no job {name}: the variant breaks nothing"


def _job(jobs: list, name: str) -> dict:
    return next(job for job in jobs if job["job_name"] == name)


VARIANTS = {
    "a Prometheus configuration without the registry": Variant(
        [prometheus_jobs(lambda jobs: _drop(jobs, "service-registry"))],
        f"{SCRAPE_CONFIG} or {INSTANCES_APART}", EVERYTHING),
    "a Prometheus configuration naming a job twice": Variant(  # Prometheus would refuse it: not started here
        [prometheus_jobs(lambda jobs: jobs.append(dict(_job(jobs, OKX))))], SCRAPE_CONFIG, "redis"),
    "a job scraping the wrong path": Variant(
        [prometheus_jobs(lambda jobs: _job(jobs, OKX).__setitem__("metrics_path", "/api/v2/metrics"))],
        f"{SCRAPE_CONFIG} or {TARGETS_UP}", EVERYTHING),
    "a simulator exporting the seeds' instance label": Variant(
        [fault(OKX, "instance-label")], f"{COLLISIONS} or {INSTANCES_APART}", EVERYTHING),
    "a metric name promtool refuses": Variant(
        [fault(OKX, "camel-case-metric")], "pass_promtool_check_metrics", OKX),
    "an exchange that does not propagate the trace context": Variant(
        [fault(EXCHANGE, "no-trace-propagation")],
        "traceparent_sent_with_an_order_reaches or groups_each_flows_events_by_its_trace_id", FLOW),
    "an audit correlator that ignores the trace id": Variant(
        [fault("audit-correlator", "traces-ignore-trace-id")], "groups_each_flows_events_by_its_trace_id", FLOW),
    "a dashboard querying a metric nobody exports": Variant(
        [text("grafana/dashboards/trading-ecosystem.json", "http_request_duration_seconds_bucket",
              "http_request_latency_seconds_bucket")],
        "every_metric_a_shipped_dashboard_queries", EVERYTHING),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_observability(name, run_features, stack_copy):
    assert_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_stack(run_features):
    assert_all_pass(VARIANTS, run_features, timeout=400)


def test_every_observability_scenario_has_a_broken_variant():
    uncovered = uncovered_scenarios("observability", VARIANTS, minimum=7)
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
