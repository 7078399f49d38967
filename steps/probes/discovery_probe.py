"""Where a simulator shows up for discovery: its keys in Redis and its entry in the registry."""
from __future__ import annotations

import redis

from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

from .registry_client import RegistryClient
from .simulator_spec import SimulatorSpec


class DiscoveryProbe:
    def __init__(self, stack: Stack, registry: RegistryClient, evidence: Evidence):
        admin = stack.definition.profile.user("admin")
        self.redis = redis.Redis.from_url(stack.redis_url(admin), socket_timeout=2, socket_connect_timeout=2,
                                          decode_responses=True)
        self.registry = registry
        self.evidence = evidence

    def keys(self, spec: SimulatorSpec) -> dict[str, int]:
        """{key: remaining TTL in ms} for the info and heartbeat keys that exist."""
        found = {}
        for key in (spec.info_key, spec.heartbeat_key):
            ttl = self.redis.pttl(key)
            if ttl != -2:
                found[key] = ttl
        self.evidence.record("redis", f"PTTL {spec.info_key} / {spec.heartbeat_key} (as admin)", found)
        return found

    def heartbeat(self, spec: SimulatorSpec) -> str | None:
        return self.redis.get(spec.heartbeat_key)

    def in_registry(self, spec: SimulatorSpec) -> dict | None:
        for entry in self.registry.instances(spec.service_name):
            if entry.get("instance") == spec.instance:
                return entry
        return None

    def registered(self, spec: SimulatorSpec) -> bool:
        return len(self.keys(spec)) == 2 and self.in_registry(spec) is not None

    def gone(self, spec: SimulatorSpec) -> bool:
        return not self.keys(spec) and self.in_registry(spec) is None

    def close(self) -> None:
        self.redis.close()
