"""One health check per kind of service, the way an operator would run it."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import psycopg
import redis

from trading_harness.errors import ServiceAbsent
from trading_harness.masking import mask
from trading_harness.targets.stack import Stack


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def check(stack: Stack, service: str) -> Health:
    """PING as healthcheck for Redis, SELECT 1 for PostgreSQL (the profile's services), GET <health path> for
    every other service, whatever its image."""
    profile = stack.definition.profile
    try:
        if service == profile.service("redis"):
            user = stack.definition.profile.user("healthcheck")
            client = redis.Redis.from_url(stack.redis_url(user), socket_timeout=1, socket_connect_timeout=1)
            try:
                return Health(client.ping() is True, "PING -> PONG as healthcheck")
            finally:
                client.close()
        if service == profile.service("postgres"):
            with psycopg.connect(stack.postgres_dsn(), connect_timeout=2) as conn:
                row = conn.execute("SELECT 1").fetchone()
                return Health(row == (1,), f"SELECT 1 -> {row}")
        path = stack.definition.services[service].health_path
        reply = httpx.get(stack.http_url(service) + path, timeout=2)
        return Health(reply.status_code == 200, f"GET {path} -> {reply.status_code}")
    except ServiceAbsent:
        raise  # not deployed: the scenario is skipped, not failed
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return Health(False, f"{type(exc).__name__}: {mask(str(exc))}")
