"""Service discovery: this instance in Redis (own namespace) and in the service registry.

    <ns>:service:<instance>:info       hash   name, instance, version, host, ports, status
    <ns>:service:<instance>:heartbeat  string last heartbeat time, expires after SERVICE_TTL

Every HEARTBEAT_INTERVAL both keys are rewritten with the TTL and the registry entry is
refreshed (re-registered when the registry lost it), so a restarted Redis or registry heals.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import redis

from . import http_client
from .cache import Cache
from .settings import ServiceSettings

log = logging.getLogger("discovery")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Discovery:
    def __init__(self, settings: ServiceSettings, cache: Cache, status: Callable[[], str]):
        self.settings = settings
        self.cache = cache
        self.status = status  # () -> "healthy" | "degraded"
        self.http = http_client.client(timeout=min(2.0, settings.heartbeat_interval * 4))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        ns, instance = settings.discovery_namespace, settings.instance
        self.info_key = f"{ns}:service:{instance}:info"
        self.heartbeat_key = f"{ns}:service:{instance}:heartbeat"
        self.beats = 0
        self._registered_status: str | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        self.beat()
        if "no-heartbeat" in self.settings.faults:
            log.warning("fault no-heartbeat: registered once, never refreshed")
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop heartbeating and remove this instance from Redis and the registry."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        if "no-deregister" in self.settings.faults:
            log.warning("fault no-deregister: leaving the discovery entries behind")
        else:
            self._deregister()
        self.http.close()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval):
            if "no-heartbeat" not in self.settings.faults:  # switchable: no refresh while it is on
                self.beat()

    # -- one heartbeat ------------------------------------------------------------
    def beat(self) -> None:
        self.beats += 1
        self._redis_beat()
        self._registry_beat()

    def info(self) -> dict[str, str]:
        s = self.settings
        return {"name": s.service_name, "instance": s.instance, "version": s.version, "host": s.advertise_host,
                "http_port": str(s.http_port), "grpc_port": str(s.grpc_port), "environment": s.environment,
                "status": self.status(), "last_heartbeat": _now()}

    def _redis_beat(self) -> None:
        ttl_ms = max(1, round(self.settings.service_ttl * 1000))
        try:
            if "heartbeat-key-only" in self.settings.faults:  # switchable: the info hash is left to expire
                self.cache.client.set(self.heartbeat_key, _now(), px=ttl_ms)
                return
            pipe = self.cache.client.pipeline(transaction=False)
            pipe.hset(self.info_key, mapping=self.info())
            if "no-expiry" in self.settings.faults:  # entries outlive a dead process
                pipe.set(self.heartbeat_key, _now())
            else:
                pipe.pexpire(self.info_key, ttl_ms)
                pipe.set(self.heartbeat_key, _now(), px=ttl_ms)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("heartbeat to redis failed", extra={"error": str(exc)})

    def _registry_entry(self) -> dict:
        s = self.settings
        return {"name": s.service_name, "instance": s.instance, "host": s.advertise_host,
                "ports": {"http": s.http_port, "grpc": s.grpc_port}, "version": s.version,
                "status": self.status(),
                "metadata": {"environment": s.environment, "namespace": s.discovery_namespace}}

    def _registry_beat(self) -> None:
        if not self.settings.registry_url:
            return
        base, s = self.settings.registry_url.rstrip("/"), self.settings
        entry = self._registry_entry()
        try:
            reply = None
            if entry["status"] == self._registered_status:
                reply = self.http.put(f"{base}/api/v1/services/{s.service_name}/{s.instance}/heartbeat")
            if reply is None or reply.status_code == 404:  # first time, status changed, or the registry lost us
                reply = self.http.post(f"{base}/api/v1/services", json=entry)
                if reply.status_code < 400:
                    self._registered_status = entry["status"]
            if reply.status_code >= 400:
                log.warning("registry refused this instance", extra={"status": reply.status_code, "reply": reply.text[:200]})
        except httpx.HTTPError as exc:
            log.warning("registry unreachable", extra={"error": str(exc) or type(exc).__name__})

    def _deregister(self) -> None:
        s = self.settings
        try:
            self.cache.client.delete(self.info_key, self.heartbeat_key)
        except redis.RedisError as exc:
            log.warning("could not remove discovery keys", extra={"error": str(exc)})
        if s.registry_url:
            try:
                self.http.delete(f"{s.registry_url.rstrip('/')}/api/v1/services/{s.service_name}/{s.instance}")
            except httpx.HTTPError as exc:
                log.warning("could not deregister", extra={"error": str(exc)})
        log.info("deregistered", extra={"at": time.time()})
