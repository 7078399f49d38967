"""What the stack definition says about a simulator: names, namespace, credentials in its URLs."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from trading_harness.targets.stack import Stack


@dataclass(frozen=True)
class SimulatorSpec:
    compose_name: str
    service_name: str  # SERVICE_NAME, the registry name
    instance: str      # SERVICE_INSTANCE_NAME
    namespace: str     # SERVICE_DISCOVERY_NAMESPACE
    passwords: tuple[str, ...]

    @property
    def info_key(self) -> str:
        return f"{self.namespace}:service:{self.instance}:info"

    @property
    def heartbeat_key(self) -> str:
        return f"{self.namespace}:service:{self.instance}:heartbeat"


def simulator(stack: Stack, name: str) -> SimulatorSpec:
    env = stack.definition.services[name].environment
    passwords = tuple(unquote(urlsplit(env[key]).password) for key in ("POSTGRES_URL", "REDIS_URL")
                      if key in env and urlsplit(env[key]).password)
    namespace = env.get("SERVICE_DISCOVERY_NAMESPACE") or env.get("CACHE_NAMESPACE", name)
    return SimulatorSpec(name, env.get("SERVICE_NAME", name), env.get("SERVICE_INSTANCE_NAME", name), namespace, passwords)
