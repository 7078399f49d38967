"""The ecosystem's service contract (ecosystem-services.md), read from one compose service.

Identity in SERVICE_NAME and SERVICE_INSTANCE_NAME; HTTP_PORT and GRPC_PORT; a health check on
/api/v1/health; its dependencies in REDIS_URL, POSTGRES_URL, DATABASE_URL or prefixed adapter
variables. A service declaring any of these is an application service.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from trading_harness.stack_reader.connections import POSTGRES, REDIS, declares_connection, users

IDENTITY = ("SERVICE_NAME", "SERVICE_INSTANCE_NAME", "HTTP_PORT")
HEALTH, READY, METRICS = "/api/v1/health", "/api/v1/ready", "/metrics"
_URL_PATH = re.compile(r"https?://[^/\s'\"]+(?P<path>/[^\s'\"?;|&)]*)")
_SUFFIXES = ("-simulator", "-service", "-server", "-svc", "-go", "-py")
_PREFIXES = ("service-",)


@dataclass(frozen=True)
class Application:
    """An application service as the contract describes it."""

    name: str                 # SERVICE_NAME (the compose name without one)
    instance: str             # SERVICE_INSTANCE_NAME (the name without one)
    domain: str               # the name without its role: exchange-simulator -> exchange
    http_port: int | None
    grpc_port: int | None
    health_path: str
    ready_path: str
    metrics_path: str
    redis_users: tuple[str, ...]
    postgres_users: tuple[str, ...]

    @property
    def is_instance(self) -> bool:
        return self.instance != self.name


def declares_contract(shape) -> bool:
    env = shape.environment
    return any(v in env for v in IDENTITY) or HEALTH in shape.healthcheck or declares_connection(env)


def domain_of(service_name: str) -> str:
    """exchange-simulator -> exchange, service-registry -> registry, market-data-simulator -> market_data."""
    name = service_name.strip().lower()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def health_path(healthcheck: str, labels: dict[str, str]) -> str:
    """The path the compose healthcheck calls (a `harness.health` label wins), else the contract's."""
    if labels.get("harness.health"):
        return labels["harness.health"]
    match = _URL_PATH.search(healthcheck)
    return match["path"] if match else HEALTH


def describe(name: str, environment: dict[str, str], healthcheck: str, labels: dict[str, str],
             container_ports: list[int]) -> Application:
    env = environment
    service = env.get("SERVICE_NAME") or name
    health = health_path(healthcheck, labels)
    ready = labels.get("harness.ready") or (health[: -len("health")] + "ready" if health.endswith("health") else READY)
    metrics = declared_metrics_path(env, labels) or METRICS
    return Application(
        name=service,
        instance=env.get("SERVICE_INSTANCE_NAME") or service,
        domain=domain_of(service),
        http_port=_port(env.get("HTTP_PORT")) or (container_ports[0] if container_ports else None),
        grpc_port=_port(env.get("GRPC_PORT")),
        health_path=health,
        ready_path=ready,
        metrics_path=metrics,
        redis_users=tuple(users(env, REDIS)),
        postgres_users=tuple(users(env, POSTGRES)),
    )


def declared_metrics_path(environment: dict[str, str], labels: dict[str, str]) -> str | None:
    """The metrics path a service declares (a `harness.metrics` label or METRICS_PATH); None: the contract's."""
    return labels.get("harness.metrics") or environment.get("METRICS_PATH") or None


def _port(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None
