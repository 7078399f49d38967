"""A harness service from the compose file (`command: [python, -m, module]`) run locally.

It runs as the application user (servers/application.py: unprivileged as root, with its own group),
with only the compose environment pointed at local ports, and, where bubblewrap runs, in its sandbox:
a read-only system view, the Python installation, the virtualenv, the checkout and the stack folder
read-only, its writable bind mounts (data, logs) writable, the host's loopback network shared.
"""
from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

from trading_harness import http_client
from trading_harness.paths import project_root
from trading_harness.servers import sandbox
from trading_harness.servers.application import application_env, application_identity, runtime_paths, writable_dir
from trading_harness.servers.base import LocalServer
from trading_harness.servers.identity import ServerIdentity
from trading_harness.servers.processes import Confinement, ManagedProcess

TIME_ENV = {"HEARTBEAT_INTERVAL": "heartbeat_interval", "SERVICE_TTL": "service_ttl",
            "CONFIG_CACHE_TTL": "config_cache_ttl", "READY_CHECK_INTERVAL": "ready_check_interval",
            "CIRCUIT_BREAKER_COOLDOWN": "breaker_cooldown", "PRICE_UPDATE_INTERVAL": "price_update_interval",
            "CANDLE_INTERVAL": "candle_interval", "SETTLEMENT_CYCLE": "settlement_cycle"}
# The registry's TTL and heartbeat (the stack's timing): a service the compose file gives neither (a reference
# simulator standing in for a stack's own) keeps its registry entry alive with them all the same.
REGISTRY_TIME = ("HEARTBEAT_INTERVAL", "SERVICE_TTL")


class PythonService(LocalServer):
    """Ready when GET <harness.health label> answers 200."""

    @functools.cached_property
    def identity(self) -> ServerIdentity:
        return application_identity()

    def writable(self) -> list[Path]:
        """Its writable bind mounts' local directories (made and handed to it when no step made them)."""
        made = [writable_dir(Path(self.local_path(m.target)), self.identity, self.workdir)
                for m in self.spec.volumes if m.is_bind and not m.read_only]
        return [path for path in made if path is not None and path.is_dir()]

    def readable(self) -> list[Path]:
        """What it runs from, and the stack folder (its read-only mounts are in it; none of the host's)."""
        return sorted({*runtime_paths(), self.definition.root}, key=lambda p: len(p.parts))  # outer first

    def command(self) -> ManagedProcess:
        argv = [sys.executable, *(self._localise("", arg) for arg in self.spec.command[1:])]
        confinement = Confinement(self.identity, writable=self.writable(), readable=self.readable(),
                                  chdir=project_root(), what=sandbox.APPLICATIONS)
        return ManagedProcess(self.name, argv, self.log_path, env=self.environment(), cwd=project_root(),
                              confinement=confinement)

    def environment(self) -> dict[str, str]:
        """The compose environment, pointed at local ports and compressed time, and nothing of the harness's."""
        env = application_env()
        for key, value in self.spec.environment.items():
            env[key] = self._localise(key, value)
        for key in REGISTRY_TIME:
            env.setdefault(key, f"{self.definition.time[TIME_ENV[key]]}s")
        env["HTTP_HOST"] = self.host
        if self.spec.grpc_port:
            env["GRPC_HOST"] = self.host
            env["ADVERTISE_HOST"] = self.host
        if self.spec.audit_port:
            env["AUDIT_HOST"] = self.host
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
        self.listening()
        path = self.spec.health_path
        reply = http_client.get(f"http://{self.host}:{self.port}{path}", timeout=1.0)
        if reply.status_code != 200:  # raised, so the start-up failure says what the service answered
            raise RuntimeError(f"GET {path} answered {reply.status_code}")
        return True
