"""Typed configuration values in Redis: hash config:<service>:<environment>, one field per key.

Each field holds JSON {"value", "type", "version", "updated_at"} (+ "min"/"max" when set).
Reads fall back from an environment to "default". Nothing is cached: every read goes
to Redis, so a runtime update is visible to the next reader.

The `registry` ACL user has no MULTI/WATCH/EVAL, so the read-increment-write of the
version is serialised by a lock in this process (one registry instance per deployment).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable

import redis

from .store import now_iso

DEFAULT_ENVIRONMENT = "default"


def config_key(service: str, environment: str) -> str:
    return f"config:{service}:{environment}"


def _decode(raw: bytes | str | None) -> dict | None:
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and "value" in entry else None


class ConfigStore:
    def __init__(self, client: redis.Redis):
        self._redis = client
        self._write_lock = threading.Lock()

    def get(self, service: str, environment: str, key: str) -> dict | None:
        """The entry stored for exactly this environment."""
        return _decode(self._redis.hget(config_key(service, environment), key))

    def resolve(self, service: str, environment: str, key: str) -> dict | None:
        """The environment's entry, else the default's; "source_environment" says which."""
        for source in dict.fromkeys((environment, DEFAULT_ENVIRONMENT)):
            entry = self.get(service, source, key)
            if entry is not None:
                return {**entry, "source_environment": source}
        return None

    def resolve_all(self, service: str, environment: str) -> dict[str, dict]:
        """Every key of the service: the default's values overlaid with the environment's."""
        merged: dict[str, dict] = {}
        for source in dict.fromkeys((DEFAULT_ENVIRONMENT, environment)):
            for field, raw in self._redis.hgetall(config_key(service, source)).items():
                entry = _decode(raw)
                if entry is not None:
                    name = field.decode() if isinstance(field, bytes) else field
                    merged[name] = {**entry, "source_environment": source}
        return dict(sorted(merged.items()))

    def put(self, service: str, environment: str, key: str, build: Callable[[dict | None], dict]) -> dict:
        """Write build(previous entry) with the next version; if build raises, nothing is written."""
        with self._write_lock:
            previous = self.get(service, environment, key)
            entry = build(previous)
            entry["version"] = (previous or {}).get("version", 0) + 1
            entry["updated_at"] = now_iso()
            self._redis.hset(config_key(service, environment), key, json.dumps(entry))
            return entry

    def delete(self, service: str, environment: str, key: str) -> bool:
        with self._write_lock:
            return self._redis.hdel(config_key(service, environment), key) == 1
