"""Run every check on a stack folder: throwaway Redis and PostgreSQL, always stopped afterwards."""
from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from trading_harness.lint import compose, credentials, dangerous, init_sql, ports, redis_config
from trading_harness.lint.credentials_found import of_service
from trading_harness.lint.findings import NOTE, Finding, LintReport, where
from trading_harness.lint.layout import StackLayout
from trading_harness.masking import register_secret
from trading_harness.paths import project_root
from trading_harness.stack_reader import connections as stack_connections
from trading_harness.stack_reader import sql_text

CHECKS = ("init-sql", "redis-config", "credentials", "ports", "compose", "dangerous")


def lint(stack_dir: Path | str | None = None) -> LintReport:
    """Every finding of the stack folder (default: the reference stack/)."""
    began = time.monotonic()
    layout = StackLayout.read(stack_dir or project_root() / "stack")
    report = LintReport(layout.root)
    redis_sides = [redis_config.RedisSide.of(layout, s) for s in layout.of_kind("redis")]
    pg_sides = [init_sql.PostgresSide.of(layout, s) for s in layout.of_kind("postgres")]
    _register_secrets(layout, redis_sides, pg_sides)
    for side in redis_sides:  # named before anything runs: the servers below never see these lines
        report.add(*dangerous.redis_findings(side, layout.root))
    for side in pg_sides:
        report.add(*dangerous.sql_findings(side))
    for kind, sides in (("redis", redis_sides), ("postgres", pg_sides)):
        if not sides:
            report.add(Finding("compose", NOTE, where(layout.compose_file), f"no {kind} service (image {kind}:*)", ""))
    with ExitStack() as running:
        for side in redis_sides:
            server = redis_config.server_for(side)
            report.add(*redis_config.run(side, server, running.enter_context(server)))
        for side in pg_sides:
            cluster = running.enter_context(init_sql.cluster_for(side))
            report.add(*init_sql.run(side, cluster))
        report.add(*credentials.check(layout, redis_sides, pg_sides))
    report.add(*ports.check(layout), *compose.check(layout))
    report.seconds = time.monotonic() - began
    return report


def _register_secrets(layout: StackLayout, redis_sides, pg_sides) -> None:
    """Every password the folder holds is masked in findings and logs."""
    for side in redis_sides:
        for user in side.users.values():
            for password in user.passwords:
                register_secret(password)
    for side in pg_sides:
        register_secret(side.password)
        for stmt in side.statements():
            for setting in sql_text.passwords(stmt):
                register_secret(setting.password)
    for service in layout.services.values():
        for cred in of_service(service):
            if cred.password:
                register_secret(cred.password)
        for secret in stack_connections.secrets(service.environment):
            register_secret(secret)  # passwords only (an exporter's or a tool's too); user names are never masked
