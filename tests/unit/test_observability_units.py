"""The pieces behind the observability scenarios, without a stack: PromQL metric names, the
embedded Prometheus's rewritten configuration, the one-shot step's paths and the trace context."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from steps.observability_steps import scrape_hint
from steps.probes.promql import dashboard_queries, dashboards, metric_names
from trading_harness.definition import PROMETHEUS_SCRAPE_INTERVAL, StackDefinition
from trading_harness.errors import StackConfigError
from trading_harness.servers.prometheus import PrometheusServer
from trading_harness.servers.script import ScriptStep

from ..conftest import STACK


@pytest.mark.parametrize("expr, names", [
    ("up", {"up"}),
    ('sum by (service, service_instance) (rate(http_requests_total{service_instance=~"$instance"}[1m]))',
     {"http_requests_total"}),
    ("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
     {"http_request_duration_seconds_bucket"}),
    ("a_total / on(job) group_left(version) b offset 5m > 0.5 and c", {"a_total", "b", "c"}),
    ("label_values(http_requests_total, service_instance)", {"http_requests_total"}),
    ("label_values(job)", set()),
    ('count(x{job="a b"}) without (instance)', {"x"}),
])
def test_metric_names(expr, names):
    assert metric_names(expr) == names


def test_the_shipped_dashboard_has_queries():
    found = dashboards(STACK / "grafana")
    assert found and all(dashboard_queries(d) for d in found.values())


def _with_ports(definition: StackDefinition, tmp_path) -> dict:
    peers = {}
    for i, (name, spec) in enumerate(definition.services.items()):
        peers[name] = SimpleNamespace(host="127.0.0.1", ports={m.container_port: 20000 + i for m in spec.ports})
    return peers


def test_embedded_prometheus_scrapes_this_runs_ports(tmp_path):
    definition = StackDefinition.load(STACK)
    server = PrometheusServer(definition.services["prometheus"], definition, tmp_path)
    server.peers = _with_ports(definition, tmp_path)
    config = server.rewritten_config()
    targets = {job["job_name"]: t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]}
    assert targets["exchange-okx"] == f"127.0.0.1:{server.peers['exchange-okx'].ports[8080]}"
    assert targets["prometheus"] == f"127.0.0.1:{server.port}"
    assert config["global"]["scrape_interval"] == f"{round(definition.time['scrape_interval'] * 1000)}ms"


@pytest.mark.parametrize("folder", ["renamed", "ecosystem"])
def test_prometheus_scrapes_compressed_when_the_folder_names_no_interval(folder, tmp_path):
    """A team's folder without a scrape_interval in embedded.toml (renamed: 10 s, ecosystem: 15 s in their
    prometheus.yml): the Prometheus the harness runs still scrapes every second, its timeout within that."""
    definition = StackDefinition.load(STACK.parent / "tests" / "stacks" / folder)
    assert definition.time["scrape_interval"] == PROMETHEUS_SCRAPE_INTERVAL == 1.0
    name = next(n for n, spec in definition.services.items() if spec.kind == "prometheus")
    server = PrometheusServer(definition.services[name], definition, tmp_path)
    server.peers = _with_ports(definition, tmp_path)
    glob = server.rewritten_config()["global"]
    assert (glob["scrape_interval"], glob["evaluation_interval"], glob["scrape_timeout"]) == ("1000ms",) * 3


@pytest.mark.parametrize("target, error, hinted", [
    ("embedded", 'Get "http://127.0.0.1:1/metrics": context deadline exceeded', True),
    ("compose", 'Get "http://exchange:8080/metrics": context deadline exceeded', True),
    ("embedded", "server returned HTTP status 404 Not Found", False),  # not the interval's fault
    ("external", "context deadline exceeded", False),  # the deployment's own Prometheus
])
def test_a_scrape_that_timed_out_names_the_interval_and_where_to_raise_it(target, error, hinted):
    definition = StackDefinition.load(STACK)
    hint = scrape_hint(SimpleNamespace(target=target, definition=definition), ["", error])
    assert bool(hint) == hinted, hint
    if hinted:
        assert f"every {definition.time['scrape_interval']:g}s" in hint and str(STACK / "embedded.toml") in hint


def test_embedded_prometheus_refuses_a_target_the_run_does_not_start(tmp_path):
    definition = StackDefinition.load(STACK)
    server = PrometheusServer(definition.services["prometheus"], definition, tmp_path)
    peers = _with_ports(definition, tmp_path)
    del peers["exchange-binance"]
    server.peers = peers
    with pytest.raises(StackConfigError, match="exchange-binance:8080"):
        server.rewritten_config()


def test_one_shot_step_paths(tmp_path):
    definition = StackDefinition.load(STACK)
    spec = definition.services["init-volumes"]
    assert spec.one_shot and spec.kind == "script"
    step = ScriptStep(spec, definition, tmp_path)
    assert step.local_path("/scripts/init-volumes.sh") == str(STACK / "scripts/init-volumes.sh")  # read-only: stack/
    assert step.local_path("/volumes") == str(tmp_path / "volumes")  # writable: the run's directory
    env = step.environment()
    assert env["VOLUMES_DIR"] == str(tmp_path / "volumes") and env["VOLUME_UID"].isdigit()


def test_trace_context_crosses_a_hop():
    from opentelemetry import trace

    from simulators.common import tracing

    tracing.setup("test", "test-1")
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with tracing.server_span("HTTP POST", {"traceparent": parent}):
        outgoing = dict(tracing.outgoing_metadata())
        span = trace.get_current_span()
        assert span.parent.span_id == 0x00f067aa0ba902b7
    assert outgoing["traceparent"].startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert not outgoing["traceparent"].endswith("00f067aa0ba902b7-01"), "the hop has its own span id"
    with tracing.server_span("HTTP GET", {}):  # no traceparent: not sampled, nothing recorded
        assert tracing.current_traceparent() is None
