"""The stack's Prometheus configuration as the scenarios read it: where it is, what each job scrapes,
which services serve metrics over HTTP and at which path.

A service's metrics path is the one the stack declares: a `harness.metrics` label or METRICS_PATH
(stack_reader.contract), else the `metrics_path` of the job that scrapes `<service>:<container port>`
in prometheus.yml, else the contract's /metrics.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from trading_harness.definition import ServiceSpec, StackDefinition
from trading_harness.servers.prometheus import config_file_flag
from trading_harness.stack_reader.contract import METRICS, declared_metrics_path

METRICS_PATHS = (METRICS, "/api/v1/metrics")  # the ecosystem's contract: some services serve the second


@dataclass(frozen=True)
class Scrape:
    job: str
    path: str
    scheme: str


def http_services(definition: StackDefinition) -> dict[str, ServiceSpec]:
    """The services that serve HTTP and metrics: every application service of the ecosystem's contract with an
    HTTP port (the registry included, whatever it runs on); not Redis, PostgreSQL, exporters or third-party tools."""
    return {name: spec for name, spec in definition.services.items()
            if spec.application is not None and spec.application.http_port is not None}


def prometheus_service(definition: StackDefinition) -> str:
    found = [name for name, spec in definition.services.items() if spec.kind == "prometheus"]
    assert found, f"{definition.compose_file} runs no Prometheus (an image named prometheus:*)"
    return found[0]


def config_path(definition: StackDefinition) -> Path:
    spec = definition.services[prometheus_service(definition)]
    target = config_file_flag(spec.command)
    sources = [m.source for m in spec.volumes if m.is_bind and m.target == target]
    assert sources, f"the prometheus service does not mount its --config.file {target} from the stack definition"
    return (definition.root / sources[0]).resolve()


def scrapes(config: dict) -> dict[str, Scrape]:
    """`host:port` -> how a job of the configuration scrapes it (static targets; the first job wins)."""
    found: dict[str, Scrape] = {}
    for job in (config.get("scrape_configs") if isinstance(config, dict) else None) or []:
        if not isinstance(job, dict):
            continue
        scrape = Scrape(str(job.get("job_name")), str(job.get("metrics_path", METRICS)), str(job.get("scheme", "http")))
        for static in job.get("static_configs") or []:
            for target in (static.get("targets") if isinstance(static, dict) else None) or []:
                found.setdefault(str(target), scrape)
    return found


def read_scrapes(definition: StackDefinition) -> dict[str, Scrape]:
    """scrapes() of the stack's prometheus.yml; none when the stack runs no Prometheus or the file is unreadable."""
    try:
        path = config_path(definition)
        return scrapes(yaml.safe_load(path.read_text()) or {})
    except (AssertionError, OSError, yaml.YAMLError):
        return {}


def scraped_in_this_run(definition: StackDefinition) -> list[str]:
    """Every static target of the configuration that Prometheus scrapes in this run: those on a service the target
    leaves out (StackDefinition.absent: an exporter the embedded target cannot run) are not (servers.prometheus)."""
    config = yaml.safe_load(config_path(definition).read_text()) or {}
    return [str(target) for job in (config.get("scrape_configs") or []) for static in (job.get("static_configs") or [])
            for target in (static.get("targets") or []) if str(target).rpartition(":")[0] not in definition.absent]


def metrics_path(spec: ServiceSpec, scraped: dict[str, Scrape]) -> str:
    """Where the service serves its metrics, as its stack declares it (see the module's docstring)."""
    declared = declared_metrics_path(spec.environment, spec.labels)
    if declared:
        return declared
    for port in spec.container_ports:
        if (scrape := scraped.get(f"{spec.name}:{port}")) is not None:
            return scrape.path
    return METRICS


def wrongly_scraped(definition: StackDefinition, scraped: dict[str, Scrape]) -> tuple[list[str], list[str]]:
    """(HTTP services no job scrapes, targets scraped at a path or scheme they do not serve)."""
    missing, wrong = [], []
    for name, spec in http_services(definition).items():
        target = f"{name}:{spec.application.http_port}"
        found = next((t for t in (target, *(f"{name}:{p}" for p in spec.container_ports)) if t in scraped), None)
        if found is None:
            missing.append(f"{name} ({target})")
            continue
        scrape = scraped[found]
        declared = declared_metrics_path(spec.environment, spec.labels)
        allowed = (declared,) if declared else METRICS_PATHS
        if scrape.path not in allowed or scrape.scheme != "http":
            wrong.append(f"{found}: job {scrape.job} scrapes {scrape.scheme}://{found}{scrape.path} "
                         f"(the service serves {' or '.join(allowed)})")
    return missing, wrong
