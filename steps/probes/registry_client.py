"""Talk to the service registry over HTTP, and read what it stored in Redis.

Every request and reply is recorded as evidence, so a failing scenario shows what was
sent and what came back.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
import redis

from trading_harness import http_client
from trading_harness.evidence import Evidence

TIMEOUT = httpx.Timeout(10.0, connect=3.0)  # above the registry's own 2 s Redis timeouts
SHOWN = 500  # characters of a body kept in the evidence
NAME_UNSAFE = re.compile(r"[^a-z0-9-]")


class ScenarioNames:
    """Service names unique to one scenario: "exchange" -> "exchange-<token>".

    "$service" in request bodies and step text stands for the scenario's own "service".
    """

    PLACEHOLDER = "$service"

    def __init__(self, unique: str):
        self.unique = NAME_UNSAFE.sub("-", unique.lower())

    def of(self, base: str) -> str:
        base = "service" if base == self.PLACEHOLDER else base
        return NAME_UNSAFE.sub("-", f"{base}-{self.unique}".lower())

    def expand(self, text: str) -> str:
        return text.replace(self.PLACEHOLDER, self.of(self.PLACEHOLDER))


def _shown(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(content)} bytes)"


class RegistryClient:
    def __init__(self, base_url: str, evidence: Evidence):
        self.evidence = evidence
        self.http = http_client.client(base_url=base_url, timeout=TIMEOUT,
                                 event_hooks={"response": [self._record]})
        self._created: list[tuple[str, dict]] = []  # (path, params) to DELETE when done

    def _record(self, response: httpx.Response) -> None:
        request = response.request
        response.read()
        self.evidence.record("http", f"{request.method} {request.url.raw_path.decode()} {_shown(request.content)}".rstrip(),
                             f"{response.status_code} {_shown(response.content)}".rstrip())

    def close(self) -> None:
        """Remove what this client created (best effort: the target may be down), then disconnect."""
        for path, params in reversed(self._created):
            try:
                self.http.delete(path, params=params)
            except httpx.HTTPError:
                pass
        self.http.close()

    # -- service registry ------------------------------------------------------------
    def health(self) -> httpx.Response:
        return self.http.get("/health")

    def register(self, name: str, instance: str, host: str, ports: dict[str, int], version: str = "1.0.0",
                 metadata: dict[str, str] | None = None) -> httpx.Response:
        body = {"name": name, "instance": instance, "host": host, "ports": ports, "version": version,
                "metadata": metadata or {}}
        reply = self.http.post("/api/v1/services", json=body)
        if reply.is_success:
            self._created.append((f"/api/v1/services/{quote(name, safe='')}/{quote(instance, safe='')}", {}))
        return reply

    def discover(self, name: str) -> httpx.Response:
        return self.http.get(f"/api/v1/services/{quote(name, safe='')}")

    def instances(self, name: str) -> list[dict]:
        """The live instances of a service ([] when the registry answers 404)."""
        reply = self.discover(name)
        if reply.status_code == 404:
            return []
        assert reply.status_code == 200, f"discovering {name}: {reply.status_code} {reply.text}"
        return reply.json()["instances"]

    def list_services(self) -> httpx.Response:
        return self.http.get("/api/v1/services")

    def heartbeat(self, name: str, instance: str) -> httpx.Response:
        return self.http.put(f"/api/v1/services/{quote(name, safe='')}/{quote(instance, safe='')}/heartbeat")

    def deregister(self, name: str, instance: str) -> httpx.Response:
        return self.http.delete(f"/api/v1/services/{quote(name, safe='')}/{quote(instance, safe='')}")

    def send(self, method: str, path: str, body: str) -> httpx.Response:
        """A raw request, for bodies a well-behaved client would never send."""
        return self.http.request(method, path, content=body.encode("utf-8"),
                                 headers={"Content-Type": "application/json"})

    # -- configuration ---------------------------------------------------------------
    @staticmethod
    def _config_path(service: str, key: str | None = None) -> str:
        path = f"/api/v1/config/{quote(service, safe='')}"
        return path if key is None else f"{path}/{quote(key, safe='')}"

    def set_config(self, service: str, key: str, environment: str, body: dict) -> httpx.Response:
        reply = self.http.put(self._config_path(service, key), params={"environment": environment}, json=body)
        if reply.is_success:
            self._created.append((self._config_path(service, key), {"environment": environment}))
        return reply

    def get_config(self, service: str, key: str, environment: str) -> httpx.Response:
        return self.http.get(self._config_path(service, key), params={"environment": environment})

    def all_config(self, service: str, environment: str) -> httpx.Response:
        return self.http.get(self._config_path(service), params={"environment": environment})


class RegistryStorage:
    """Read-only look at the registry's keys in Redis, as an ACL user who may read them."""

    def __init__(self, url: str, evidence: Evidence):
        self.evidence = evidence
        self.redis = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True)

    def close(self) -> None:
        self.redis.close()

    def service_keys(self, token: str) -> list[str]:
        """Keys under registry:services:* whose name contains `token`."""
        keys = sorted(self.redis.scan_iter(match=f"registry:services:*{token}*", count=1000))
        self.evidence.record("redis", f"SCAN MATCH registry:services:*{token}*", keys)
        return keys

    def entry(self, key: str) -> tuple[dict | None, int]:
        """The JSON stored at `key` and its remaining time to live in ms (-1: none, -2: no key)."""
        raw, ttl = self.redis.get(key), self.redis.pttl(key)
        self.evidence.record("redis", f"GET {key}; PTTL {key}", f"{raw} ; {ttl}")
        return (json.loads(raw) if raw is not None else None), ttl

    def config_field(self, service: str, environment: str, key: str) -> dict | None:
        raw = self.redis.hget(f"config:{service}:{environment}", key)
        self.evidence.record("redis", f"HGET config:{service}:{environment} {key}", raw)
        return json.loads(raw) if raw is not None else None
