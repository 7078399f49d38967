"""Sentences about observability: the Prometheus configuration and server, metric labels, dashboards.

Names come from the stack under test: the HTTP services and their instances from the compose file,
the Prometheus configuration from the prometheus service's --config.file mount.
"""
from __future__ import annotations

import subprocess
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from pytest_bdd import given, parsers, then, when

from steps.probes.prometheus_config import (
    config_path,
    http_services,
    metrics_path,
    prometheus_service,
    read_scrapes,
    scraped_in_this_run,
    scrapes,
    wrongly_scraped,
)
from steps.probes.promql import dashboard_queries, dashboards, metric_names
from trading_harness import http_client
from trading_harness.definition import StackDefinition
from trading_harness.evidence import Evidence
from trading_harness.polling import DeadlineExceeded, wait_until
from trading_harness.servers.processes import find_binary
from trading_harness.targets.stack import Stack

TIMEOUT = httpx.Timeout(5.0, connect=2.0)


def _promtool(evidence: Evidence, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([find_binary("promtool"), *args], input=stdin, capture_output=True, text=True, timeout=60)
    evidence.record("promtool", " ".join(["promtool", *args]), f"exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result


# -- the configuration ----------------------------------------------------------------------------
@given("the Prometheus configuration of the stack", target_fixture="prometheus_config")
def prometheus_config(stack_definition: StackDefinition) -> Path:
    path = config_path(stack_definition)
    assert path.is_file(), f"{path} does not exist"
    return path


@then("promtool check config accepts it")
def check_config(prometheus_config: Path, evidence: Evidence):
    result = _promtool(evidence, "check", "config", str(prometheus_config))
    assert result.returncode == 0, f"promtool check config {prometheus_config}:\n{result.stdout}{result.stderr}"


@then("it scrapes the metrics of every HTTP service of the compose file, the service registry included")
def scrapes_every_service(stack_definition: StackDefinition, prometheus_config: Path):
    scraped = scrapes(yaml.safe_load(prometheus_config.read_text()) or {})
    missing, wrong = wrongly_scraped(stack_definition, scraped)
    assert not missing and not wrong, f"not scraped: {missing}; scraped wrongly: {wrong}"


# -- the server -----------------------------------------------------------------------------------
class PrometheusProbe:
    def __init__(self, url: str, evidence: Evidence):
        self.url = url
        self.evidence = evidence

    def get(self, path: str, **params) -> dict:
        reply = http_client.get(self.url + path, params=params, timeout=TIMEOUT)
        self.evidence.record("http", f"GET prometheus{path} {params or ''}".strip(), f"{reply.status_code} {reply.text[:600]}")
        assert reply.status_code == 200, f"GET {path}: {reply.status_code} {reply.text[:300]}"
        return reply.json()["data"]

    def targets(self) -> list[dict]:
        return self.get("/api/v1/targets", state="active")["activeTargets"]

    def query(self, promql: str) -> list[dict]:
        return self.get("/api/v1/query", query=promql)["result"]


@given("the Prometheus server of the stack", target_fixture="prometheus")
def prometheus_server(stack: Stack, evidence: Evidence) -> PrometheusProbe:
    # An external target that does not list it skips the scenario, naming the entry to add.
    return PrometheusProbe(stack.http_url(prometheus_service(stack.definition)), evidence)


def _all_up(prometheus: PrometheusProbe, stack: Stack, seconds: float) -> list[dict]:
    wanted = len(scraped_in_this_run(stack.definition))
    seen = {"targets": []}

    def all_up() -> list[dict] | None:
        targets = seen["targets"] = prometheus.targets()
        return targets if len(targets) == wanted and all(t["health"] == "up" for t in targets) else None

    with suppress(DeadlineExceeded):
        return wait_until(all_up, seconds, interval=0.5, message="every Prometheus target up")
    targets = seen["targets"]
    not_up = [t for t in targets if t["health"] != "up"]
    down = [f"{t['labels'].get('job')} {t['scrapeUrl']}: {t['health']} {t.get('lastError', '')}" for t in not_up]
    raise AssertionError(f"after {seconds:g}s Prometheus has {len(targets)} of {wanted} targets; not up: {down}"
                         + scrape_hint(stack, [t.get("lastError", "") for t in not_up]))


def scrape_hint(stack: Stack, errors: list[str]) -> str:
    """The fix for a scrape that timed out, where the harness sets Prometheus's interval (not on external)."""
    if stack.target == "external" or not any("deadline exceeded" in error for error in errors):
        return ""
    interval = stack.definition.time["scrape_interval"]
    return (f" (this run's Prometheus scrapes every {interval:g}s and times out as soon: a target that needs longer "
            f"wants a larger scrape_interval under [time] in {stack.definition.root / 'embedded.toml'})")


@then(parsers.parse("within {seconds:d} seconds Prometheus reports up == 1 for every target of its configuration"))
def every_target_up(prometheus: PrometheusProbe, stack: Stack, seconds: int):
    targets = _all_up(prometheus, stack, seconds)
    series = prometheus.query("up")
    values = {(s["metric"]["job"], s["metric"]["instance"]): s["value"][1] for s in series}
    assert len(values) == len(targets), f"{len(values)} up series for {len(targets)} targets: {values}"
    assert set(values.values()) == {"1"}, values


@pytest.fixture
def scraped_targets() -> list:
    return []


@when("Prometheus has scraped every target of its configuration")
def scraped(prometheus: PrometheusProbe, stack: Stack, scraped_targets: list):
    scraped_targets[:] = _all_up(prometheus, stack, 20)


@then(parsers.parse('no label name Prometheus stores starts with "{prefix}"'))
def no_renamed_labels(prometheus: PrometheusProbe, prefix: str):
    renamed = [name for name in prometheus.get("/api/v1/labels") if name.startswith(prefix)]
    assert not renamed, f"Prometheus renamed colliding exported labels: {renamed}"


@then("no target exports a label that its scrape job attaches as a target label")
def no_collisions(scraped_targets: list, stack: Stack, evidence: Evidence):
    collisions = []
    for target in scraped_targets:
        reply = http_client.get(seen_from_harness(stack, target["scrapeUrl"]), timeout=TIMEOUT)
        exported = {name for family in text_string_to_metric_families(reply.text)
                    for sample in family.samples for name in sample.labels}
        clash = sorted(exported & set(target["labels"]))
        evidence.record("http", f"GET {target['scrapeUrl']}", f"{reply.status_code}; exported labels {sorted(exported)}")
        if clash:
            collisions.append(f"{target['labels']['job']} exports {clash}")
    assert not collisions, "; ".join(collisions)


def seen_from_harness(stack: Stack, url: str) -> str:
    """A scrape URL as the harness reaches it: a compose service name, or localhost inside the
    Prometheus container, becomes that service's published address (embedded URLs are local already)."""
    parts = urlsplit(url)
    service = parts.hostname
    if service in ("localhost", "127.0.0.1") and stack.target != "embedded":
        service = prometheus_service(stack.definition)  # Prometheus scraping itself, inside its container
    if service in stack.definition.services:
        return stack.http_url(service) + parts.path
    return url


@then("counting http_requests_total by service and service_instance gives every instance of every HTTP service "
      "of the compose file")
def instances_apart(prometheus: PrometheusProbe, stack: Stack):
    expected = set()
    for name, spec in http_services(stack.definition).items():
        service = spec.environment.get("SERVICE_NAME", name)
        expected.add((service, spec.environment.get("SERVICE_INSTANCE_NAME", service)))
    series = prometheus.query("count by (service, service_instance) (http_requests_total)")
    found = {(s["metric"].get("service"), s["metric"].get("service_instance")) for s in series}
    assert found == expected, f"missing {sorted(expected - found)}; unexpected {sorted(found - expected)}"


# -- one service's metrics ------------------------------------------------------------------------
@when("a client scrapes the metrics of every HTTP service of the stack", target_fixture="scrapes")
def scrape_every_service(stack: Stack, service_probe) -> dict:
    """service -> its metrics reply, at the path its stack scrapes, for each HTTP service this run reaches."""
    every = list(http_services(stack.definition))
    names = [name for name in every if name in stack.services]
    if not names and every:
        stack.http_url(every[0])  # an external target without them skips, naming the entry to add
    assert names, f"this run reaches no HTTP service of {stack.definition.compose_file}"
    scraped = read_scrapes(stack.definition)
    return {name: service_probe.get(name, metrics_path(stack.definition.services[name], scraped)) for name in names}


@then("promtool check metrics accepts every scrape")
def lint_metrics(scrapes: dict, evidence: Evidence):
    refused = []
    for name, reply in scrapes.items():
        if reply.status_code != 200:
            refused.append(f"{name}: {reply.request.url.path} answered {reply.status_code}: {reply.text[:200]}")
            continue
        result = _promtool(evidence, "check", "metrics", stdin=reply.text)
        if result.returncode != 0:
            refused.append(f"{name}: promtool check metrics:\n{result.stdout}{result.stderr}")
    assert not refused, "\n".join(refused)


# -- Grafana dashboards ---------------------------------------------------------------------------
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
                     "scrape_series_added"}  # what Prometheus itself attaches to every target
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
            "summary": ("_sum", "_count", "_created"), "gaugehistogram": ("_bucket", "_gsum", "_gcount")}


def exported_metrics(stack: Stack, evidence: Evidence) -> dict[str, set[str]]:
    """service -> every series name its /metrics can carry (a family with no sample yet counts)."""
    exported, scraped = {}, read_scrapes(stack.definition)
    for name, spec in http_services(stack.definition).items():
        path = metrics_path(spec, scraped)
        reply = http_client.get(stack.http_url(name) + path, timeout=TIMEOUT)
        evidence.record("http", f"GET {name}{path}", f"{reply.status_code} ({len(reply.text)} bytes)")
        assert reply.status_code == 200, f"{name}{path}: {reply.status_code}"
        names = set()
        for family in text_string_to_metric_families(reply.text):
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
            names.update(sample.name for sample in family.samples)
        exported[name] = names
    return exported


@given("the Grafana dashboards of the stack", target_fixture="grafana_dashboards")
def grafana_dashboards(stack_definition: StackDefinition, evidence: Evidence) -> dict:
    found = dashboards(stack_definition.root / "grafana")
    evidence.record("files", f"Grafana dashboards under {stack_definition.root / 'grafana'}", sorted(p.name for p in found))
    return found


@then("every metric their queries name is exported by a service of the stack or made by Prometheus")
def dashboards_use_exported(stack: Stack, evidence: Evidence, grafana_dashboards: dict):
    if not grafana_dashboards:
        return  # the criterion constrains the dashboards a stack ships: none shipped, none broken
    exported = set(PROMETHEUS_SERIES).union(*exported_metrics(stack, evidence).values())
    unknown = []
    for path, dashboard in grafana_dashboards.items():
        queries = dashboard_queries(dashboard)
        assert queries, f"{path.name} has no query"
        for query in queries:
            missing = sorted(metric_names(query) - exported)
            if missing:
                unknown.append(f"{path.name}: {missing} in {query!r}")
    assert not unknown, "dashboards query metrics no service exports:\n" + "\n".join(unknown)
