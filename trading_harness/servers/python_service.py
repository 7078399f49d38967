"""A harness service from the compose file (`command: [python, -m, module]`) run locally."""
from __future__ import annotations

import os
import re
import sys

import httpx

from trading_harness.paths import project_root
from trading_harness.servers.base import LocalServer
from trading_harness.servers.processes import ManagedProcess

TIME_ENV = {"HEARTBEAT_INTERVAL": "heartbeat_interval", "SERVICE_TTL": "service_ttl",
            "CONFIG_CACHE_TTL": "config_cache_ttl", "READY_CHECK_INTERVAL": "ready_check_interval",
            "CIRCUIT_BREAKER_COOLDOWN": "breaker_cooldown", "PRICE_UPDATE_INTERVAL": "price_update_interval",
            "CANDLE_INTERVAL": "candle_interval", "SETTLEMENT_CYCLE": "settlement_cycle"}


class PythonService(LocalServer):
    """Ready when GET <harness.health label> answers 200."""

    def command(self) -> ManagedProcess:
        argv = [sys.executable, *(self._localise("", arg) for arg in self.spec.command[1:])]
        return ManagedProcess(self.name, argv, self.log_path, env=self.environment(), cwd=project_root())

    def environment(self) -> dict[str, str]:
        """The compose environment, pointed at local ports and compressed time."""
        env = dict(os.environ)
        for key, value in self.spec.environment.items():
            env[key] = self._localise(key, value)
        env["HTTP_HOST"] = self.host
        if self.spec.grpc_port:
            env["GRPC_HOST"] = self.host
            env["ADVERTISE_HOST"] = self.host
        if self.spec.audit_port:
            env["AUDIT_HOST"] = self.host
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _localise(self, key: str, value: str) -> str:
        if value.startswith("/") and self.local_path(value):  # DATA_DIR: /app/data -> <workdir>/volumes/...
            return self.local_path(value)
        if value.isdigit() and int(value) in self.ports:
            return str(self.ports[int(value)])
        if key in TIME_ENV:
            return f"{self.definition.time[TIME_ENV[key]]}s"
        for name, peer in self.peers.items():
            for container_port, local_port in peer.ports.items():
                value = re.sub(rf"(?<=[@/]){re.escape(name)}:{container_port}\b", f"{peer.host}:{local_port}", value)
        return value

    def probe(self) -> bool:
        path = self.spec.health_path
        reply = httpx.get(f"http://{self.host}:{self.port}{path}", timeout=1.0)
        if reply.status_code != 200:  # raised, so the start-up failure says what the service answered
            raise RuntimeError(f"GET {path} answered {reply.status_code}")
        return True
