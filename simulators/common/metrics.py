"""Prometheus RED metrics for a simulator's HTTP API, plus process and runtime metrics.

    http_requests_total, http_request_duration_seconds, http_request_errors_total
    labels: method, route (the route pattern; "unknown" when nothing matched), code,
    and the constant labels service, service_instance, version.

The seeds name the instance label `instance`; Prometheus attaches its own target label `instance`
(host:port) to every scraped sample and renames a colliding exported one to `exported_instance`, so
the instance name is exported as `service_instance` (INSTANCE_LABEL).
"""
from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

LABELS = ("method", "route", "code")
INSTANCE_LABEL = "service_instance"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)  # 5 ms to 10 s


class Metrics:
    """One registry per service; `observe` is the HTTP server's per-request hook."""

    def __init__(self, service: str, instance: str, version: str, *, label_full_path: bool = False,
                 faults: frozenset[str] = frozenset()):
        self.registry = CollectorRegistry(auto_describe=True)
        # the instance-label fault exports the seeds' `instance`, which collides with Prometheus's target label
        instance_label = "instance" if "instance-label" in faults else INSTANCE_LABEL
        self.constant = {"service": service, instance_label: instance, "version": version}
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        names = (*LABELS, *self.constant)
        self.requests = Counter("http_requests_total", "HTTP requests served.", names, registry=self.registry)
        self.errors = Counter("http_request_errors_total", "HTTP requests answered 4xx or 5xx.", names,
                              registry=self.registry)
        self.duration = Histogram("http_request_duration_seconds", "HTTP request latency.", names,
                                  buckets=BUCKETS, registry=self.registry)
        self.up = Gauge("service_ready", "1 when every dependency answers, else 0.",
                        tuple(self.constant), registry=self.registry)
        self._label_full_path = label_full_path  # the metrics-full-path fault
        if "camel-case-metric" in faults:  # a metric name promtool's linter refuses
            Gauge("httpInFlightRequests", "Requests in flight.", registry=self.registry).set(0)

    def observe(self, method: str, route: str, path: str, status: int, seconds: float) -> None:
        labels = {"method": method, "route": path if self._label_full_path else route, "code": str(status),
                  **self.constant}
        self.requests.labels(**labels).inc()
        self.duration.labels(**labels).observe(seconds)
        if status >= 400:
            self.errors.labels(**labels).inc()

    def counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        """A domain counter carrying the constant labels too."""
        return Counter(name, documentation, (*labels, *self.constant), registry=self.registry)

    def gauge(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(name, documentation, (*labels, *self.constant), registry=self.registry)

    def set_ready(self, ready: bool) -> None:
        self.up.labels(**self.constant).set(1 if ready else 0)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
