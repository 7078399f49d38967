"""The kinds of service the harness runs and checks itself, in one table (as the targets are in targets/).

A kind says which compose services it takes (by what they run: stack_reader/kinds.py classifies them), the
embedded runner that starts one, the health check an operator would run on it, the lint check that reviews
its files, and the image it stands for on the compose target. Supporting a new kind is one runner module
plus one entry here; tests/unit/test_service_kinds.py checks that every entry is complete.

Runners and health checks are named "module:attribute" and loaded on use, so this table imports neither the
servers nor the targets (they import it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from trading_harness.stack_reader.kinds import APPLICATION, ONE_SHOT, POSTGRES, PROMETHEUS, REDIS, UNKNOWN


class ServiceSpec(Protocol):
    """What a kind reads of a compose service (definition.ServiceSpec has it)."""

    category: str
    command: list[str]


def _infrastructure(category: str) -> Callable[[ServiceSpec], bool]:
    return lambda spec: spec.category == category


def _python_module(spec: ServiceSpec) -> bool:
    """`python -m module`: a service of the ecosystem's contract (or unclassified) written in Python."""
    return spec.category in (APPLICATION, UNKNOWN) and spec.command[:2] == ["python", "-m"] and len(spec.command) > 2


def _shell_step(spec: ServiceSpec) -> bool:
    """A one-shot step that is one `sh script` (the volume initialisation)."""
    return spec.category == ONE_SHOT and spec.command[:1] == ["sh"] and len(spec.command) == 2


@dataclass(frozen=True)
class ServiceKind:
    selects: Callable[[ServiceSpec], bool]  # which compose services this kind takes
    runner: str        # "module:attribute": (ServiceSpec, StackDefinition, workdir) -> LocalServer
    health: str        # "module:attribute": (Stack, service) -> Health
    lint: str          # the check of `harness lint` that reviews the files a service of this kind reads
    image: str         # what it runs on the compose target: an official repository, or its own build
    description: str

    def load_runner(self) -> Callable:
        return _load(self.runner)

    def load_health(self) -> Callable:
        return _load(self.health)


_CHECKS = "trading_harness.targets.health"
SERVICE_KINDS: dict[str, ServiceKind] = {
    "redis": ServiceKind(_infrastructure(REDIS), "trading_harness.servers.redis:RedisServer",
                         f"{_CHECKS}:redis_ping", "redis-config", "redis",
                         "redis-server on the stack's redis.conf and ACL file"),
    "postgres": ServiceKind(_infrastructure(POSTGRES), "trading_harness.targets.embedded:run_postgres",
                            f"{_CHECKS}:postgres_select", "init-sql", "postgres",
                            "PostgreSQL 15 initialised by the stack's init SQL"),
    "prometheus": ServiceKind(_infrastructure(PROMETHEUS), "trading_harness.servers.prometheus:PrometheusServer",
                              f"{_CHECKS}:http_health", "compose", "prom/prometheus",
                              "Prometheus on the stack's prometheus.yml"),
    "python": ServiceKind(_python_module, "trading_harness.servers.python_service:PythonService",
                          f"{_CHECKS}:http_health", "credentials", "its own build: section",
                          "an application service started with python -m, from this checkout"),
    "script": ServiceKind(_shell_step, "trading_harness.servers.script:ScriptStep",
                          f"{_CHECKS}:step_finished", "dangerous", "its own image (a shell step)",
                          "a one-shot sh step run to completion before the services that await it"),
}


def kind_of(spec: ServiceSpec) -> str | None:
    """The name of the kind that takes the service, None when no embedded runner can start it."""
    return next((name for name, kind in SERVICE_KINDS.items() if kind.selects(spec)), None)


def _load(reference: str) -> Callable:
    module, _, attribute = reference.partition(":")
    return getattr(import_module(module), attribute)
