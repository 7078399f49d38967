"""Entry point: `python -m simulators.registry` (settings from the environment).

Exit codes: 0 after SIGTERM/SIGINT, 1 if the port cannot be bound, 2 for invalid configuration.
"""
from __future__ import annotations

import logging
import os
import sys

import redis

from simulators.common import startup
from simulators.common.config import ConfigError
from simulators.common.exiting import exit_now
from simulators.common.http import make_server, serve_until_signalled
from simulators.common.logs import setup_logging
from simulators.common.metrics import Metrics

from .app import build_router
from .settings import Settings
from .store import connect

log = logging.getLogger("registry")


def main() -> int:
    startup.started()
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"service-registry: invalid configuration: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.service_name, settings.log_level, settings.log_format)
    client = connect(settings.redis_url)
    metrics = Metrics(settings.service_name, settings.instance, settings.version)
    try:
        server = make_server(settings.http_host, settings.http_port, build_router(settings, client, metrics),
                             max_body=settings.max_body_bytes, request_timeout=settings.request_timeout,
                             logger=logging.getLogger("registry.http"), quiet_paths=("/health", "/metrics"),
                             observer=metrics.observe)
    except OSError as exc:
        log.error("cannot listen", extra={"http": f"{settings.http_host}:{settings.http_port}", "error": str(exc)})
        return 1
    log.info("listening", extra=settings.loggable())
    if settings.faults:
        log.warning("deliberate faults active: this registry is broken on purpose",
                    extra={"faults": ",".join(sorted(settings.faults))})
    if 0 < settings.service_ttl <= settings.heartbeat_interval:
        log.warning("SERVICE_TTL is not longer than HEARTBEAT_INTERVAL: entries will expire between heartbeats")
    try:
        client.ping()
    except redis.RedisError as exc:  # reported, and /health says unhealthy until Redis answers
        log.warning("redis not reachable yet; serving and reporting unhealthy", extra={"error": str(exc)})
    serve_until_signalled(server, log)
    client.close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    exit_now(main())
