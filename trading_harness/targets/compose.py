"""The compose target: stack/docker-compose.yml run by `docker compose` under a unique project name."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid

from trading_harness.definition import StackDefinition
from trading_harness.errors import HarnessError, MissingBinary, StackStartError
from trading_harness.masking import mask
from trading_harness.polling import wait_until
from trading_harness.targets import health
from trading_harness.targets.stack import Address, Stack, Timing

DOCKER_INSTALL = "apt-get install -y docker.io docker-compose-plugin (or Docker Engine 24+ with the Compose plugin)"
TIME_ENV = {"heartbeat_interval": "HEARTBEAT_INTERVAL", "service_ttl": "SERVICE_TTL",
            "config_cache_ttl": "CONFIG_CACHE_TTL"}


def compose_command(definition: StackDefinition, project: str, *args: str) -> list[str]:
    return ["docker", "compose", "-f", str(definition.compose_file), "-p", project, *args]


def compose_environment(definition: StackDefinition) -> dict[str, str]:
    """Compressed time for compose files that interpolate ${SERVICE_TTL:-90s} and friends."""
    env = dict(os.environ)
    for key, variable in TIME_ENV.items():
        env.setdefault(variable, f"{definition.time[key]}s")
    return env


class ComposeStack(Stack):
    """Containers from the compose file; endpoints are the ports compose publishes on 127.0.0.1."""

    target = "compose"

    def __init__(self, definition: StackDefinition, project: str | None = None):
        super().__init__(definition, Timing(**definition.time))
        self.project = project or f"harness-{uuid.uuid4().hex[:8]}"
        self.startup_seconds: float | None = None
        self._addresses: dict[str, Address] = {}

    @classmethod
    def up(cls, definition: StackDefinition) -> ComposeStack:
        preflight()
        stack = cls(definition)
        began = time.monotonic()
        try:
            stack._compose("up", "--detach", "--build", "--wait",
                           "--wait-timeout", str(int(stack.timing.ready_timeout * 6)), timeout=900)
            for name in stack.services:
                stack._addresses[name] = stack._published(name)
        except BaseException:
            stack.close()
            raise
        stack.startup_seconds = time.monotonic() - began
        return stack

    def _compose(self, *args: str, timeout: float = 120) -> str:
        argv = compose_command(self.definition, self.project, *args)
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                    env=compose_environment(self.definition))
        except subprocess.TimeoutExpired:
            raise StackStartError(f"`{' '.join(argv[3:])}` did not finish within {timeout:.0f}s") from None
        if result.returncode != 0:
            raise StackStartError(f"docker compose {' '.join(args)} failed: {mask(result.stderr.strip()[-2000:])}")
        return result.stdout

    def _published(self, service: str, container_port: int | None = None) -> Address:
        spec = self.definition.services[service]
        port_arg = str(container_port or spec.container_port)
        host, _, port = self._compose("port", service, port_arg).strip().rpartition(":")
        return Address(host or "127.0.0.1", int(port))

    def address(self, service: str) -> Address:
        return self._addresses[service]

    def grpc_address(self, service: str) -> Address:
        grpc_port = self.definition.services[service].grpc_port
        if grpc_port is None:
            return super().grpc_address(service)
        return self._published(service, grpc_port)

    def audit_address(self, service: str) -> Address:
        audit_port = self.definition.services[service].audit_port
        if audit_port is None:
            return super().audit_address(service)
        return self._published(service, audit_port)

    def stop(self, service: str) -> None:
        self._compose("stop", service)

    def start(self, service: str) -> None:
        self._compose("start", service)
        wait_until(lambda: health.check(self, service).ok, self.timing.ready_timeout,
                   message=f"{service} to be healthy after start")

    def terminate(self, service: str, sig: int, timeout: float = 10.0) -> tuple[int | None, float]:
        began = time.monotonic()
        self._compose("kill", "-s", signal.Signals(sig).name, service)
        wait_until(lambda: not self.is_running(service), timeout, message=f"{service} to exit")
        container = self._compose("ps", "-a", "-q", service).strip()
        code = subprocess.run(["docker", "inspect", "-f", "{{.State.ExitCode}}", container],
                              capture_output=True, text=True, timeout=30).stdout.strip()
        return (int(code) if code.lstrip("-").isdigit() else None), time.monotonic() - began

    def is_running(self, service: str) -> bool:
        return service in self._compose("ps", "--status", "running", "--services").split()

    def logs(self, service: str, lines: int = 50) -> str:
        return mask(self._compose("logs", "--no-color", "--tail", str(lines), service))

    def raw_logs(self, service: str, lines: int = 500) -> str:
        return self._compose("logs", "--no-color", "--no-log-prefix", "--tail", str(lines), service)

    def close(self) -> None:
        try:
            self._compose("down", "--volumes", "--remove-orphans", timeout=180)
        except HarnessError:
            pass


def preflight() -> None:
    """A Docker client with the Compose plugin and a reachable engine, or one message saying which is missing."""
    if not shutil.which("docker"):
        raise MissingBinary("docker", DOCKER_INSTALL)
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    if version.returncode != 0:
        raise MissingBinary("docker compose (the Compose V2 plugin)", DOCKER_INSTALL)
    info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                          timeout=30)
    if info.returncode != 0 or not info.stdout.strip():
        raise HarnessError("no Docker engine answers (`docker info` failed: "
                           f"{(info.stderr.strip().splitlines() or ['no output'])[-1]}). Start the Docker daemon, "
                           "or run against the embedded stack: pytest features/ --target embedded")
