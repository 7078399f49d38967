"""The registry's HTTP API: routes wired to validation and the Redis stores.

    GET    /health
    GET    /openapi.json                                 the OpenAPI 3 document, from the same declarations
    GET    /metrics                                      Prometheus text (RED metrics, runtime, service_ready)
    POST   /api/v1/services                              register (replaces)
    GET    /api/v1/services                              all live entries
    GET    /api/v1/services/{name}                       live instances of one service
    PUT    /api/v1/services/{name}/{instance}/heartbeat  refresh the TTL
    DELETE /api/v1/services/{name}/{instance}            deregister
    GET    /api/v1/config/{service}?environment=E        all keys, default overlaid with E
    GET    /api/v1/config/{service}/{key}?environment=E  one key, E else default
    PUT    /api/v1/config/{service}/{key}?environment=E  typed, validated write
    DELETE /api/v1/config/{service}/{key}?environment=E
"""
from __future__ import annotations

import logging

import redis

from simulators.common.contract import Text
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.metrics import Metrics
from simulators.common.openapi import shape

from . import validation
from .config_store import DEFAULT_ENVIRONMENT, ConfigStore
from .settings import Settings
from .store import ServiceStore

log = logging.getLogger("registry")


def _redis_error(exc: BaseException) -> ApiError:
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        return ApiError(503, "redis_unavailable", f"The registry cannot reach Redis: {exc}.")
    return ApiError(503, "redis_error", f"Redis refused the operation: {exc}.")


def build_router(settings: Settings, client: redis.Redis, metrics: Metrics | None = None) -> Router:
    services = ServiceStore(client, settings.service_ttl)
    config = ConfigStore(client)
    environments = (DEFAULT_ENVIRONMENT, *settings.environments)
    faults = settings.faults
    first_reads: dict[tuple, dict] = {}  # for the stale-config fault
    router = Router()
    router.on_error(redis.RedisError, _redis_error)
    lax = "accept-invalid" in faults  # the fault: bodies are stored unchecked
    environment = Text(required=False, default=DEFAULT_ENVIRONMENT, choices=environments, code="invalid_environment",
                       what="environment")

    def with_lease(entry: dict) -> dict:
        return {**entry, "ttl_seconds": settings.service_ttl,
                "heartbeat_interval_seconds": settings.heartbeat_interval}

    entry_shape = shape(name="string", instance="string", host="string", ports="object", version="string",
                        metadata="object", status="string", ttl_seconds="number")

    @router.route("GET", "/health", ok=(200, 503), returns=shape(status="string", service="string", redis="string"))
    def health(_: Request) -> Response:
        """The registry's health and its Redis connection."""
        try:
            services.ping()
        except redis.RedisError as exc:
            log.warning("redis unreachable", extra={"error": str(exc)})
            if metrics:
                metrics.set_ready(False)
            return Response(503, {"status": "unhealthy", "service": settings.service_name, "redis": str(exc),
                                  "error": "redis_unavailable", "message": f"Redis is unreachable: {exc}."})
        if metrics:
            metrics.set_ready(True)
        return Response(200, {"status": "healthy", "service": settings.service_name, "redis": "ok"})

    if metrics:
        @router.route("GET", "/api/v1/metrics", media="text/plain")  # the contract's other path (a stand-in)
        @router.route("GET", "/metrics", media="text/plain")
        def scrape(_: Request) -> Response:
            """Prometheus text exposition (RED metrics, runtime, service_ready)."""
            body, content_type = metrics.render()
            return Response(200, body, content_type=content_type)

    @router.route("POST", "/api/v1/services", body=None if lax else validation.SERVICE, ok=201, returns=entry_shape)
    def register(request: Request) -> Response:
        """Register a service instance (replaces), stored with the TTL."""
        entry = request.json_object() if lax else validation.service_entry(request.data)
        if "drop-writes" in faults:
            return Response(201, with_lease(entry))
        entry = services.register(entry)
        log.info("registered", extra={"entry": f"{entry['name']}/{entry['instance']}"})
        return Response(201, with_lease(entry))

    @router.route("GET", "/api/v1/services")
    def list_services(_: Request) -> Response:
        return Response(200, {"services": services.all()})

    entry_params = {"name": validation.SERVICE_NAME, "instance": validation.INSTANCE_NAME}
    config_params = {"service": validation.SERVICE_NAME, "key": validation.KEY}

    @router.route("GET", "/api/v1/services/{name}", params={"name": validation.SERVICE_NAME})
    def discover(request: Request) -> Response:
        name = request.params["name"]
        instances = services.instances(name)
        if not instances:
            raise ApiError(404, "not_found", f"No live instance of service {name!r}.")
        return Response(200, {"name": name, "instances": instances})

    @router.route("PUT", "/api/v1/services/{name}/{instance}/heartbeat", body=validation.HEARTBEAT, params=entry_params,
                  returns=entry_shape)
    def heartbeat(request: Request) -> Response:
        """Refresh the instance's TTL (and optionally its status)."""
        name = request.params["name"]
        instance = request.params["instance"]
        changes = validation.heartbeat_changes(request.data)
        entry = services.heartbeat(name, instance, changes)
        if entry is None:
            raise ApiError(404, "not_found", f"{name}/{instance} is not registered (or expired); register again.")
        return Response(200, with_lease(entry))

    @router.route("DELETE", "/api/v1/services/{name}/{instance}", ok=204, params=entry_params)
    def deregister(request: Request) -> Response:
        name = request.params["name"]
        instance = request.params["instance"]
        if "keep-deregistered" in faults:
            return Response(204)
        if not services.delete(name, instance):
            raise ApiError(404, "not_found", f"{name}/{instance} is not registered.")
        log.info("deregistered", extra={"entry": f"{name}/{instance}"})
        return Response(204)

    # -- configuration ---------------------------------------------------------------
    def config_target(request: Request, with_key: bool = True) -> tuple[str, str, str | None]:
        service = request.params["service"]
        environment = request.values["environment"]
        key = request.params["key"] if with_key else None
        if "ignore-environment" in faults:
            environment = DEFAULT_ENVIRONMENT
        return service, environment, key

    def described(entry: dict, service: str, environment: str, key: str) -> dict:
        return {"service": service, "environment": environment, "key": key, **entry}

    @router.route("GET", "/api/v1/config/{service}", query={"environment": environment},
                  params={"service": validation.SERVICE_NAME})
    def config_all(request: Request) -> Response:
        service, environment, _ = config_target(request, with_key=False)
        return Response(200, {"service": service, "environment": environment,
                              "values": config.resolve_all(service, environment)})

    @router.route("GET", "/api/v1/config/{service}/{key}", query={"environment": environment}, params=config_params)
    def config_get(request: Request) -> Response:
        service, environment, key = config_target(request)
        entry = config.resolve(service, environment, key)
        if "stale-config" in faults and entry is not None:
            entry = first_reads.setdefault((service, environment, key), entry)
        if entry is None:
            raise ApiError(404, "not_found", f"{service} has no value for {key!r} in {environment} or default.")
        return Response(200, described(entry, service, environment, key))

    @router.route("PUT", "/api/v1/config/{service}/{key}", query={"environment": environment},
                  params=config_params, body=None if lax else validation.CONFIG)
    def config_put(request: Request) -> Response:
        """Write a typed, validated value; its version increments."""
        service, environment, key = config_target(request)
        body = request.json_object() if lax else request.data
        if "drop-writes" in faults:
            return Response(200, described({**body, "version": 1}, service, environment, key))
        accept = (lambda previous: body) if "accept-invalid" in faults else \
            (lambda previous: validation.config_value(body, previous))
        entry = config.put(service, environment, key, accept)
        log.info("configuration updated", extra={"config_service": service, "environment": environment,
                                                 "key": key, "version": entry["version"]})
        return Response(200, described({**entry, "source_environment": environment}, service, environment, key))

    @router.route("DELETE", "/api/v1/config/{service}/{key}", query={"environment": environment}, ok=204,
                  params=config_params)
    def config_delete(request: Request) -> Response:
        service, environment, key = config_target(request)
        if not config.delete(service, environment, key):
            raise ApiError(404, "not_found", f"{service} has no value for {key!r} in {environment}.")
        return Response(204)

    router.publish_openapi(settings.service_name, "1.0.0", "The service registry and configuration API.")
    return router
