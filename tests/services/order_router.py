"""order-router: a foreign application service for the harness's tests (aiohttp, no gRPC).

It keeps the ecosystem's service contract in its own way: SERVICE_NAME / HTTP_PORT, GET /api/v1/health,
GET /api/v1/ready (checks its Redis and PostgreSQL), Prometheus text at /api/v1/metrics, JSON log lines
with its own field names (ts, severity, msg, component) when LOG_FORMAT=json, and a clean exit on SIGTERM.

ORDER_ROUTER_FAULTS (comma-separated) breaks it on purpose:
  unhealthy      GET /api/v1/health answers 200 with status "starting" for ever
  no-ready       GET /api/v1/ready answers 404 (the route does not exist)
  no-metrics     GET /api/v1/metrics answers 404 (the route does not exist)
  plain-logs     plain-text log lines although LOG_FORMAT=json
  error-logs     an ERROR line at start-up (a backend it cannot reach)
  slow-shutdown  SIGTERM takes 8 s to finish (past the 5 s the criterion allows)
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import psycopg
import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

CHECK_TIMEOUT = 2.0
SLOW_SHUTDOWN = 8.0


class Log:
    """One line per event: a JSON object {ts, severity, msg, component, ...} or, when asked, plain text."""

    def __init__(self, component: str, json_lines: bool, threshold: str):
        self.component = component
        self.json_lines = json_lines
        self.order = ["DEBUG", "INFO", "WARNING", "ERROR"]
        self.threshold = self.order.index(threshold.upper()) if threshold.upper() in self.order else 1

    def __call__(self, severity: str, msg: str, **fields: object) -> None:
        if self.order.index(severity) < self.threshold:
            return
        now = datetime.now(tz=UTC).isoformat(timespec="microseconds")
        if self.json_lines:
            line = json.dumps({"ts": now, "severity": severity, "msg": msg, "component": self.component, **fields},
                              default=str)
        else:
            line = f"[{now}] {severity} {self.component} - {msg} " + " ".join(f"{k}={v}" for k, v in fields.items())
        print(line, file=sys.stdout, flush=True)


def _postgres_url(env: dict[str, str]) -> str | None:
    url = env.get("DATABASE_URL") or env.get("POSTGRES_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return url + ("&" if parts.query else "?") + "connect_timeout=2"


class OrderRouter:
    def __init__(self, env: dict[str, str]):
        self.name = env.get("SERVICE_NAME", "order-router")
        self.version = env.get("SERVICE_VERSION", "0.3.1")
        self.faults = {f.strip() for f in env.get("ORDER_ROUTER_FAULTS", "").split(",") if f.strip()}
        json_lines = env.get("LOG_FORMAT", "json").lower() == "json" and "plain-logs" not in self.faults
        self.log = Log(self.name, json_lines, env.get("LOG_LEVEL", "info"))
        self.redis_url = env.get("REDIS_URL")
        self.postgres_url = _postgres_url(env)
        self.started = time.monotonic()
        self.registry = CollectorRegistry()
        self.requests = Counter("order_router_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("order_router_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)

    # -- dependencies --------------------------------------------------------------
    async def _redis_ok(self) -> str:
        if not self.redis_url:
            return "not configured"
        client = aioredis.from_url(self.redis_url, socket_timeout=CHECK_TIMEOUT, socket_connect_timeout=CHECK_TIMEOUT)
        try:
            await client.ping()
            return "ok"
        except Exception as exc:  # noqa: BLE001 - any failure is "down", reported by kind
            return f"down ({type(exc).__name__})"
        finally:
            await client.aclose()

    async def _postgres_ok(self) -> str:
        if not self.postgres_url:
            return "not configured"
        try:
            conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(self.postgres_url), CHECK_TIMEOUT + 1)
        except Exception as exc:  # noqa: BLE001
            return f"down ({type(exc).__name__})"
        try:
            await conn.execute("SELECT 1")
            return "ok"
        except Exception as exc:  # noqa: BLE001
            return f"down ({type(exc).__name__})"
        finally:
            await conn.close()

    # -- routes ---------------------------------------------------------------------
    async def health(self, request: web.Request) -> web.Response:
        status = "starting" if "unhealthy" in self.faults else "healthy"
        return web.json_response({"service": self.name, "status": status, "version": self.version,
                                  "uptime_seconds": round(time.monotonic() - self.started, 3)})

    async def ready(self, request: web.Request) -> web.Response:
        checks = dict(zip(("redis", "postgres"), await asyncio.gather(self._redis_ok(), self._postgres_ok())))
        ready = all(state in ("ok", "not configured") for state in checks.values())
        if not ready:
            self.log("WARNING", "not ready", checks=checks)
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def route_order(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "invalid_json", "message": "the body is not JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("symbol"), str):
            return web.json_response({"error": "wrong_type", "message": "expected an object with a symbol"},
                                     status=422)
        return web.json_response({"routed_to": "primary", "symbol": body["symbol"]}, status=202)

    @web.middleware
    async def observe(self, request: web.Request, handler):
        began = time.perf_counter()
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unknown"
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = web.json_response({"error": "not_found" if exc.status == 404 else "http_error",
                                          "message": exc.reason}, status=exc.status)
        self.requests.labels(request.method, route, str(response.status)).inc()
        self.latency.labels(route).observe(time.perf_counter() - began)
        return response

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.observe])
        app.router.add_get("/api/v1/health", self.health)
        if "no-ready" not in self.faults:
            app.router.add_get("/api/v1/ready", self.ready)
        if "no-metrics" not in self.faults:
            app.router.add_get("/api/v1/metrics", self.metrics)
        app.router.add_post("/api/v1/orders", self.route_order)
        return app

    # -- lifecycle ------------------------------------------------------------------
    async def serve(self, host: str, port: int) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self.log("INFO", "order router started", host=host, port=port, version=self.version)
        if "error-logs" in self.faults:
            self.log("ERROR", "pricing backend unreachable", backend="pricing:9000")
        await stop.wait()
        self.log("INFO", "SIGTERM received, draining")
        if "slow-shutdown" in self.faults:
            await asyncio.sleep(SLOW_SHUTDOWN)  # the fault itself: a shutdown that overruns its budget
        await runner.cleanup()
        self.log("INFO", "order router stopped")


def main() -> int:
    env = dict(os.environ)
    router = OrderRouter(env)
    try:
        port = int(env.get("HTTP_PORT", "8080"))
    except ValueError:
        router.log("ERROR", "HTTP_PORT is not a number", value=env.get("HTTP_PORT"))
        return 2
    asyncio.run(router.serve(env.get("HTTP_HOST", "0.0.0.0"), port))  # noqa: S104 - in a container
    return 0


if __name__ == "__main__":
    sys.exit(main())
