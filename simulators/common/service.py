"""The app factory every simulator shares: HTTP and gRPC servers, data adapter, discovery, metrics.

    GET /api/v1/health        {"service", "status": "healthy", "version", "instance", "timestamp"}
    GET /api/v1/ready         {"ready", "components": {"postgres": ..., "redis": ...}}; 503 when not ready
    GET /metrics              Prometheus text format
    GET /api/v1/adapter       the PostgreSQL role/schema, Redis user/namespace and data/logs directories in use
    GET /api/v1/config/{key}  a parameter from the registry's config API, through the TTL cache
    GET /api/v1/peers         circuit-breaker state per peer service

On AUDIT_PORT (when set), the separate audit/control API under /audit/v1/: chaos injection and
internal state, never on the production port.

    GET /audit/v1/health      {"service", "instance", "api": "audit"}

A simulator supplies a Domain: its defaults, routes, audit routes, gRPC servicer and background work.
Exit codes: 0 after SIGTERM/SIGINT (deregistered first), 1 when a port cannot be bound,
2 for invalid configuration.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime

import psycopg
import redis
from grpc_health.v1 import health_pb2, health_pb2_grpc

from . import startup, tracing, volumes
from .cache import Cache
from .config import ConfigError
from .config_client import ConfigClient, ConfigUnavailable
from .contract import Text
from .database import Database, DatabaseUnavailable
from .discovery import Discovery
from .exiting import exit_now
from .faults import add_fault_routes
from .grpc_server import GrpcServer
from .http import ApiError, Request, Response, Router, make_server
from .logs import setup_logging
from .metrics import Metrics
from .openapi import shape
from .peers import CircuitOpen, Peers, PeerUnavailable
from .readiness import Readiness
from .settings import Defaults, ServiceSettings
from .shutdown import Shutdown

log = logging.getLogger("service")
# The registry's forms of a service name and a configuration key (simulators/registry/validation.py).
SERVICE_NAME = Text(max_len=63, pattern="[a-z0-9-]+", code="invalid_name", what="service name")
CONFIG_KEY = Text(max_len=128, pattern="[a-z0-9_.-]+", code="invalid_key", what="configuration key")
SHUTDOWN_BUDGET = 4.0  # seconds; SIGTERM must end in exit 0 within 5 s
SLOW_SHUTDOWN = 8.0  # seconds the slow-shutdown fault holds the exit up: past the 5 s the criterion allows


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Domain(ABC):
    """What one simulator adds to the shared service."""

    defaults: Defaults

    def __init__(self, app: ServiceApp):
        self.app = app

    @abstractmethod
    def routes(self, router: Router) -> None:
        """Add the domain's HTTP routes."""

    @abstractmethod
    def grpc(self, server: GrpcServer) -> None:
        """Register the domain's gRPC servicer."""

    def audit_routes(self, router: Router) -> None:
        """Add the domain's audit/control routes (/audit/v1/...), served on AUDIT_PORT only."""

    def start(self) -> None:
        """Background work, once the adapters exist (the dependencies may still be down)."""

    def stop(self) -> None:
        """Stop background work."""


class ServiceApp:
    def __init__(self, settings: ServiceSettings, domain_class: type[Domain]):
        s = self.settings = settings
        self.metrics = Metrics(s.service_name, s.instance, s.version,
                               label_full_path="metrics-full-path" in s.faults, faults=s.faults)
        self.db = Database(s.postgres_url, s.postgres_schema, s.instance)
        self.cache = Cache(s.redis_url, s.cache_namespace, s.instance)
        ignore = s.faults.named("ready-ignores-{}")  # switchable: read on every check
        self.readiness = Readiness({"postgres": self.db.check, "redis": self.cache.check},
                                   s.ready_check_interval, ignore=ignore)
        self.discovery = Discovery(s, self.cache, lambda: "healthy" if self.readiness.ready else "degraded")
        self.config = ConfigClient(s.registry_url, s.service_name, s.environment, s.config_cache_ttl)
        self.peers = Peers(s.registry_url, failures=s.breaker_failures, cooldown=s.breaker_cooldown,
                           timeout=s.call_timeout, pooled="no-channel-pool" not in s.faults,
                           propagate="no-trace-propagation" not in s.faults)
        tracing.setup(s.service_name, s.instance)
        self.trace_events = tracing.TraceEvents(self.peers, s.service_name, s.instance,
                                                s.env.string("AUDIT_CORRELATOR_SERVICE", "audit-correlator"))
        self.grpc = GrpcServer(s.grpc_host, s.grpc_port, interceptors=(tracing.ServerInterceptor(),))
        self.domain = domain_class(self)
        self.router = self._router()
        self.audit_router = self._audit_router()
        self.readiness.listeners += [self.grpc.set_serving, self.metrics.set_ready]
        self._stop = threading.Event()

    # -- HTTP ------------------------------------------------------------------------
    def _base_router(self) -> Router:
        """A router that maps dependency failures to JSON 503s."""
        router = Router()
        router.on_error(CircuitOpen, lambda e: ApiError(503, "circuit_open", str(e), headers={"Retry-After": "1"}))
        router.on_error(PeerUnavailable, lambda e: ApiError(503, "peer_unavailable", str(e)))
        router.on_error(DatabaseUnavailable, lambda e: ApiError(503, "postgres_unavailable",
                                                                f"PostgreSQL is unavailable: {e}"))
        router.on_error(psycopg.OperationalError, lambda e: ApiError(503, "postgres_unavailable",
                                                                     f"PostgreSQL is unavailable: {e}"))
        router.on_error(redis.RedisError, lambda e: ApiError(503, "redis_unavailable", f"Redis is unavailable: {e}"))
        router.on_error(ConfigUnavailable, lambda e: ApiError(503, "config_unavailable", str(e)))
        return router

    def _audit_router(self) -> Router:
        router, s = self._base_router(), self.settings

        @router.route("GET", "/audit/v1/health")
        def audit_health(_: Request) -> Response:
            return Response(200, {"service": s.service_name, "instance": s.instance, "api": "audit"})

        add_fault_routes(router, s.faults)
        self.domain.audit_routes(router)
        router.publish_openapi(f"{s.service_name} audit/control API", s.version)
        return router

    def _router(self) -> Router:
        router, s = self._base_router(), self.settings

        @router.route("GET", "/api/v1/health", returns=shape(service="string", status="string", version="string",
                                                             instance="string", timestamp="string"))
        def health(_: Request) -> Response:
            if "health-500" in s.faults:
                return Response(500, {"error": "internal_error", "message": "fault health-500"})
            return Response(200, {"service": s.service_name, "status": "healthy", "version": s.version,
                                  "instance": s.instance, "timestamp": _iso_now()})

        @router.route("GET", "/api/v1/ready", ok=(200, 503),
                      returns=shape(ready="boolean", components="object", service="string", instance="string"))
        def ready(_: Request) -> Response:
            ready_now, checked = self.readiness.refreshed()
            components = {name: ("ok" if c["ok"] else f"unavailable: {c['detail']}") for name, c in checked.items()}
            return Response(200 if ready_now else 503, {"ready": ready_now, "components": components,
                                                        "service": s.service_name, "instance": s.instance})

        @router.route("GET", "/api/v1/metrics", media="text/plain")  # the contract's other path: a stand-in
        @router.route("GET", "/metrics", media="text/plain")         # serves whichever the stack scrapes
        def metrics(_: Request) -> Response:
            if "no-metrics" in s.faults:
                raise ApiError(404, "not_found", "fault no-metrics")
            body, content_type = self.metrics.render()
            return Response(200, body, content_type=content_type)

        @router.route("GET", "/api/v1/adapter")
        def adapter(_: Request) -> Response:
            return Response(200, {"postgres": self.db.identity(), "redis": self.cache.identity(),
                                  "discovery": {"info_key": self.discovery.info_key,
                                                "heartbeat_key": self.discovery.heartbeat_key},
                                  "volumes": {"data": volumes.describe(s.data_dir),
                                              "logs": volumes.describe(s.log_dir)}})

        @router.route("GET", "/api/v1/config/{key}", params={"key": CONFIG_KEY}, errors=(422,))
        def config_value(request: Request) -> Response:
            """A parameter from the registry's config API, through the TTL cache."""
            value, source = self.config.get(request.params["key"])
            if not value.found:
                return Response(404, {"error": "not_found", "message": f"The registry has no value for {value.key!r}.",
                                      **value.describe(self.config.ttl, source)})
            return Response(200, value.describe(self.config.ttl, source))

        @router.route("GET", "/api/v1/peers")
        def peers(_: Request) -> Response:
            return Response(200, self.peers.describe())

        @router.route("GET", "/api/v1/peers/{service}/health", params={"service": SERVICE_NAME})
        def peer_health(request: Request) -> Response:
            """Ask a peer's gRPC health service, found through discovery, through the breaker.

            404 for a service neither registered nor called before; 503 for one that was reachable and is not."""
            peer = request.params["service"]
            if not self.peers.known(peer) and not self.peers.registered(peer):
                raise ApiError(404, "unknown_peer", f"No live instance of {peer!r} is registered.")
            reply, instance = self.peers.call(peer, health_pb2_grpc.HealthStub, "Check", health_pb2.HealthCheckRequest())
            return Response(200, {"service": peer, "instance": instance,
                                  "status": health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)})

        self.domain.routes(router)
        router.publish_openapi(s.service_name, s.version, f"The production API of {s.service_name}.")
        router.dispatch = _client_errors_as_500(router.dispatch, s.faults)
        router.dispatch = tracing.http_dispatch(router.dispatch)  # W3C traceparent in, server span around
        return router

    # -- lifecycle ---------------------------------------------------------------------
    def run(self) -> int:
        s = self.settings
        log.info("starting", extra=s.loggable())
        if s.faults:
            log.warning("deliberate faults active: this simulator is broken on purpose",
                        extra={"faults": ",".join(sorted(s.faults))})
        servers = []
        try:
            self.domain.grpc(self.grpc)
            if "no-grpc" not in s.faults:
                self.grpc.start()
            servers.append(make_server(s.http_host, s.http_port, self.router, logger=logging.getLogger("http"),
                                       quiet_paths=("/api/v1/health", "/api/v1/ready", "/metrics", "/api/v1/metrics"),
                                       observer=self.metrics.observe))
            if s.audit_port:
                servers.append(make_server(s.audit_host, s.audit_port, self.audit_router,
                                           logger=logging.getLogger("audit-api"), quiet_paths=("/audit/v1/health",)))
        except OSError as exc:
            log.error("cannot listen", extra={"error": str(exc)})
            for server in servers:
                server.server_close()
            self.grpc.stop(0)
            return 1
        self.db.open()
        self.readiness.start()
        log.info("data adapter " + ("connected" if self.readiness.ready else "running in stub mode"),
                 extra={n: c["detail"] for n, c in self.readiness.snapshot().items()})
        self.domain.start()
        self.discovery.start()
        threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                    name=f"http-{i}", daemon=True) for i, server in enumerate(servers)]
        for thread in threads:
            thread.start()
        log.info("listening", extra={"http": f"{s.http_host}:{s.http_port}", "grpc": f"{s.grpc_host}:{s.grpc_port}",
                                     "audit": f"{s.audit_host}:{s.audit_port}" if s.audit_port else "none"})
        self._install_signals()
        while not self._stop.wait(1.0) and all(t.is_alive() for t in threads):
            pass
        self._shutdown(servers)
        return 0

    def _install_signals(self) -> None:
        def request_stop(signum: int, _frame: object) -> None:
            log.info("stopping", extra={"signal": signal.Signals(signum).name})
            self._stop.set()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, request_stop)

    def _shutdown(self, servers) -> None:
        if "slow-shutdown" in self.settings.faults:
            log.warning("fault slow-shutdown: holding the exit up", extra={"seconds": SLOW_SHUTDOWN})
            time.sleep(SLOW_SHUTDOWN)  # the fault itself
        stop = Shutdown(SHUTDOWN_BUDGET)
        self.grpc.set_serving(False)
        stop.stage("readiness", self.readiness.stop, 0.5)
        stop.stage("background work", self.domain.stop, 1.5)
        stop.stage("deregistration", self.discovery.stop, 2.0)
        stop.stage("servers", lambda: self._close_servers(servers), 0.5)
        grace = min(1.0, SHUTDOWN_BUDGET / 4)
        stop.stage("grpc", lambda: self.grpc.stop(grace=grace), grace + 0.2)
        stop.stage("adapters", self._close_adapters, 0.5)
        overran = {"overran": ",".join(stop.overran)} if stop.overran else {}
        log.info("stopped", extra={"shutdown_seconds": round(stop.seconds, 3), **overran})

    @staticmethod
    def _close_servers(servers) -> None:
        for server in servers:
            server.shutdown()
            server.server_close()

    def _close_adapters(self) -> None:
        self.peers.close()
        self.config.close()
        self.db.close()
        self.cache.close()


def _client_errors_as_500(dispatch, faults):
    """The errors-500 fault, while it is on: every 4xx answer becomes a 500."""
    def broken(request: Request) -> Response:
        try:
            return dispatch(request)
        except ApiError as exc:
            if exc.status < 500 and "errors-500" in faults:
                return Response(500, {"error": "internal_error", "message": "fault errors-500"})
            raise
    return broken


def run_service(domain_class: type[Domain]) -> int:
    """Entry point of `python -m simulators.<name>`."""
    startup.started()
    defaults = domain_class.defaults
    try:
        settings = ServiceSettings.from_env(os.environ, defaults)
    except ConfigError as exc:
        print(f"{defaults.service_name}: invalid configuration: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.instance, settings.log_level, settings.log_format,
                  volumes.log_file(settings.log_dir, settings.instance))
    volumes.write_identity(settings.data_dir, settings.service_name, settings.instance)
    try:
        app = ServiceApp(settings, domain_class)
    except ConfigError as exc:  # a domain variable
        log.error(f"invalid configuration: {exc}")
        return 2
    exit_now(app.run())
