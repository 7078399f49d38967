"""One health check per kind of service (service_kinds.SERVICE_KINDS names them), the way an operator would run it."""
from __future__ import annotations

from dataclasses import dataclass

import psycopg
import redis

from trading_harness import http_client
from trading_harness.errors import ServiceAbsent
from trading_harness.masking import mask
from trading_harness.service_kinds import SERVICE_KINDS
from trading_harness.targets.stack import Stack


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def check(stack: Stack, service: str) -> Health:
    """The health check of the service's kind; GET <health path> for a service of no kind the harness runs
    (a Go service, a third-party tool), whatever its image."""
    kind = SERVICE_KINDS.get(stack.definition.services[service].kind or "")
    probe = kind.load_health() if kind else http_health
    try:
        return probe(stack, service)
    except ServiceAbsent:
        raise  # not deployed: the scenario is skipped, not failed
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return Health(False, f"{type(exc).__name__}: {mask(str(exc))}")


def redis_ping(stack: Stack, service: str) -> Health:
    """PING as the stack's healthcheck user."""
    user = stack.definition.profile.user("healthcheck")
    client = redis.Redis.from_url(stack.redis_url(user), socket_timeout=1, socket_connect_timeout=1)
    try:
        return Health(client.ping() is True, "PING -> PONG as healthcheck")
    finally:
        client.close()


def postgres_select(stack: Stack, service: str) -> Health:
    """SELECT 1 as the stack's superuser."""
    with psycopg.connect(stack.postgres_dsn(), connect_timeout=2) as conn:
        row = conn.execute("SELECT 1").fetchone()
        return Health(row == (1,), f"SELECT 1 -> {row}")


def http_health(stack: Stack, service: str) -> Health:
    """GET the service's health path (its harness.health label, else the path its compose healthcheck calls)."""
    path = stack.definition.services[service].health_path
    reply = http_client.get(stack.http_url(service) + path, timeout=2)
    return Health(reply.status_code == 200, f"GET {path} -> {reply.status_code}")


def step_finished(stack: Stack, service: str) -> Health:
    """A one-shot step is healthy once it has run to its end (a step still running has hung)."""
    running = stack.is_running(service)
    return Health(not running, "one-shot step: still running" if running else "one-shot step: finished")
