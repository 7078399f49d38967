"""Check (c): every credential a compose service uses names a user that exists with that
password, and that user may do what the service needs (credentials_redis, credentials_postgres).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from trading_harness.lint import credentials_postgres, credentials_redis
from trading_harness.lint.credentials_found import Credential, of_service
from trading_harness.lint.findings import Finding
from trading_harness.lint.init_sql import PostgresSide
from trading_harness.lint.layout import StackLayout
from trading_harness.lint.redis_config import RedisSide
from trading_harness.stack_reader.kinds import POSTGRES, REDIS

CHECK = credentials_redis.CHECK


def check(layout: StackLayout, redis_sides: list[RedisSide], pg_sides: list[PostgresSide]) -> list[Finding]:
    findings = []
    registries = _registry_services(layout)
    infra = {side.service.name for side in [*redis_sides, *pg_sides]}
    for service in layout.services.values():
        for cred in of_service(service):
            if service.name in infra and cred.variable != "healthcheck":
                continue  # the server's own settings (POSTGRES_USER is the superuser it creates)
            system = cred.system
            if system == REDIS and redis_sides:
                side = _target(cred, redis_sides, service.name)
                findings.extend(credentials_redis.check(cred, side, credentials_redis.needs(cred, service.name in registries)))
            elif system == POSTGRES and pg_sides:
                findings.extend(credentials_postgres.check(cred, _target(cred, pg_sides, service.name)))
    return findings


def _target(cred: Credential, sides: list, own: str):
    by_name = {side.service.name: side for side in sides}
    return by_name.get(cred.host) or by_name.get(own) or sides[0]


def _registry_services(layout: StackLayout) -> set[str]:
    """Services other services reach as REGISTRY_URL: they write the registry's keys."""
    hosts = set()
    for service in layout.services.values():
        url = service.environment.get("REGISTRY_URL")
        if url:
            hosts.add(urlsplit(url).hostname)
    return hosts & set(layout.services)
