"""Talk to a simulator over HTTP and gRPC the way a client would; every exchange becomes evidence."""
from __future__ import annotations

import json
from dataclasses import dataclass

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
GRPC_TIMEOUT = 3.0
SHOWN = 400


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass
class Reply:
    """An HTTP reply and the service that gave it."""

    service: str
    response: httpx.Response

    @property
    def json(self) -> object:
        return self.response.json()


class ServiceProbe:
    def __init__(self, stack: Stack, evidence: Evidence):
        self.stack = stack
        self.evidence = evidence

    # -- HTTP ------------------------------------------------------------------------
    def request(self, method: str, service: str, path: str, *, body: object = None, raw: bytes | None = None,
                content_type: str = "application/json") -> httpx.Response:
        url = self.stack.http_url(service) + path
        content = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type} if content is not None else {}
        try:
            reply = http_client.request(method, url, content=content, headers=headers, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            self.evidence.record("http", f"{method} {service}{path}", f"{type(exc).__name__}: {exc}")
            raise
        sent = "" if content is None else " " + content.decode(errors="replace")[:SHOWN]
        self.evidence.record("http", f"{method} {service}{path}{sent}", f"{reply.status_code} {reply.text[:SHOWN]}")
        return reply

    def get(self, service: str, path: str) -> httpx.Response:
        return self.request("GET", service, path)

    def post(self, service: str, path: str, body: object) -> httpx.Response:
        return self.request("POST", service, path, body=body)

    # -- gRPC ------------------------------------------------------------------------
    def grpc_health(self, service: str, name: str = "") -> str:
        """SERVING / NOT_SERVING / ..., or the gRPC status code name when the call itself fails."""
        target = self.stack.grpc_target(service)
        with grpc.insecure_channel(target) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=name),
                                                                   timeout=GRPC_TIMEOUT)
                status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            except grpc.RpcError as exc:
                status = exc.code().name
        self.evidence.record("grpc", f"{service} grpc.health.v1.Health/Check {name!r}", status)
        return status

    # -- metrics ----------------------------------------------------------------------
    def metrics(self, service: str) -> tuple[httpx.Response, list[Sample]]:
        reply = http_client.get(self.stack.http_url(service) + "/metrics", timeout=TIMEOUT)
        self.evidence.record("http", f"GET {service}/metrics", f"{reply.status_code} ({len(reply.text)} bytes)")
        samples = [Sample(s.name, dict(s.labels), s.value)
                   for family in text_string_to_metric_families(reply.text) for s in family.samples]
        return reply, samples

    def counter(self, service: str, name: str, **labels: str) -> float:
        """The sum of a metric's samples whose labels include `labels` (0 when there is none)."""
        _, samples = self.metrics(service)
        return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())

    # -- logs -------------------------------------------------------------------------
    def log_lines(self, service: str, lines: int = 500) -> list[str]:
        return [line for line in self.stack.logs(service, lines).splitlines() if line.strip()]
