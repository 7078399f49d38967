"""Configuration from the service registry's config API, cached for CONFIG_CACHE_TTL.

A value changed in the registry becomes visible here once the cached copy is older than the TTL.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from . import http_client


class ConfigUnavailable(Exception):
    """The registry could not be asked (down, or answered with an error other than 404)."""


@dataclass(frozen=True)
class ConfigValue:
    key: str
    value: object
    fetched_at: float  # unix time the registry answered
    found: bool

    def describe(self, ttl: float, source: str) -> dict[str, object]:
        age = max(0.0, time.time() - self.fetched_at)
        fetched = datetime.fromtimestamp(self.fetched_at, tz=UTC).isoformat(timespec="milliseconds")
        return {"key": self.key, "value": self.value, "found": self.found, "source": source,
                "fetched_at": fetched.replace("+00:00", "Z"), "fetched_at_unix": self.fetched_at,
                "age_seconds": round(age, 3), "ttl_seconds": ttl}


class ConfigClient:
    def __init__(self, registry_url: str | None, service: str, environment: str, ttl: float, *, timeout: float = 2.0):
        self.base = registry_url.rstrip("/") if registry_url else None
        self.service = service
        self.environment = environment
        self.ttl = ttl
        self.http = http_client.client(timeout=timeout)
        self._cache: dict[str, tuple[float, ConfigValue]] = {}  # key -> (monotonic fetch time, value)
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[ConfigValue, str]:
        """(value, "cache" | "registry"): the cached value while younger than the TTL."""
        with self._lock:
            cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1], "cache"
        value = self._fetch(key)
        with self._lock:
            self._cache[key] = (time.monotonic(), value)
        return value, "registry"

    def _fetch(self, key: str) -> ConfigValue:
        if self.base is None:
            raise ConfigUnavailable("no REGISTRY_URL is configured")
        try:
            reply = self.http.get(f"{self.base}/api/v1/config/{self.service}/{key}",
                                  params={"environment": self.environment})
        except httpx.HTTPError as exc:
            raise ConfigUnavailable(f"the registry is unreachable: {exc or type(exc).__name__}") from None
        if reply.status_code == 404:
            return ConfigValue(key, None, time.time(), found=False)
        if reply.status_code != 200:
            raise ConfigUnavailable(f"the registry answered {reply.status_code}: {reply.text[:200]}")
        return ConfigValue(key, reply.json().get("value"), time.time(), found=True)

    def close(self) -> None:
        self.http.close()
