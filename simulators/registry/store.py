"""Service entries in Redis: one JSON string per instance at registry:services:<name>:<instance>.

Each key carries the service TTL (PX) unless the TTL is 0; a heartbeat rewrites the value
with SET ... XX so an entry that already expired is not resurrected. Only commands the
`registry` ACL user holds are used (@read @write @keyspace): SET/GET/MGET/DEL/SCAN.
"""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import redis
from redis.backoff import ConstantBackoff
from redis.retry import Retry

log = logging.getLogger("registry.store")

PREFIX = "registry:services:"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def service_key(name: str, instance: str) -> str:
    return f"{PREFIX}{name}:{instance}"


def connect(url: str, timeout: float = 2.0) -> redis.Redis:
    """A client that fails fast: bounded timeouts and a single quick retry (for a stale
    pooled connection after Redis restarted), so requests never hang when Redis is down."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ConstantBackoff(0.05), 1),
    )


class ServiceStore:
    def __init__(self, client: redis.Redis, ttl_seconds: float):
        self._redis = client
        self._ttl_ms = round(ttl_seconds * 1000)

    def _expiry(self) -> dict[str, int]:
        return {"px": self._ttl_ms} if self._ttl_ms > 0 else {}

    def register(self, entry: dict) -> dict:
        """Store (or replace) an entry; stamps registered_at and last_heartbeat."""
        stamp = now_iso()
        stored = {**entry, "registered_at": stamp, "last_heartbeat": stamp}
        self._redis.set(service_key(entry["name"], entry["instance"]), json.dumps(stored), **self._expiry())
        return stored

    def get(self, name: str, instance: str) -> dict | None:
        return _decode(self._redis.get(service_key(name, instance)))

    def heartbeat(self, name: str, instance: str, changes: dict | None = None) -> dict | None:
        """Refresh the TTL and last_heartbeat; None if the entry is unknown or already expired."""
        entry = self.get(name, instance)
        if entry is None:
            return None
        entry.update(changes or {})
        entry["last_heartbeat"] = now_iso()
        # XX: only if the key still exists, so a heartbeat never resurrects an expired entry.
        written = self._redis.set(service_key(name, instance), json.dumps(entry), xx=True, **self._expiry())
        return entry if written else None

    def delete(self, name: str, instance: str) -> bool:
        return self._redis.delete(service_key(name, instance)) == 1

    def instances(self, name: str) -> list[dict]:
        return self._scan(f"{PREFIX}{name}:*")

    def all(self) -> list[dict]:
        return self._scan(f"{PREFIX}*")

    def _scan(self, pattern: str) -> list[dict]:
        keys = sorted(set(self._redis.scan_iter(match=pattern, count=500)))
        entries = []
        for start in range(0, len(keys), 500):
            for raw in self._redis.mget(keys[start:start + 500]):
                entry = _decode(raw)  # None: expired between SCAN and MGET
                if entry is not None:
                    entries.append(entry)
        return entries

    def ping(self) -> None:
        self._redis.ping()


def _decode(raw: bytes | str | None) -> dict | None:
    """An entry from its stored JSON; None (and a warning) for a value this service did not write."""
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        log.warning("ignoring a malformed registry entry", extra={"value": str(raw)[:200]})
        return None
    return entry
