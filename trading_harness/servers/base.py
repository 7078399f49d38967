"""What every local server has: a port, a process, a log and a readiness check."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path

from trading_harness.definition import ServiceSpec, StackDefinition
from trading_harness.errors import StackStartError
from trading_harness.servers.ports import LOOPBACK, free_ports, is_listening
from trading_harness.servers.processes import ManagedProcess

POLL_INTERVAL = 0.02

class LocalServer(ABC):
    """One compose service run as a local process on a free loopback port."""

    def __init__(self, spec: ServiceSpec, definition: StackDefinition, workdir: Path):
        self.spec = spec
        self.definition = definition
        self.workdir = workdir
        self.host = LOOPBACK
        self.ports = self._pick_ports()
        self.process: ManagedProcess | None = None
        self.peers: dict[str, LocalServer] = {}
        self.bootstrapped = False
        self.persistent = False  # keep data in workdir across stops (Redis AOF; an existing cluster is reused)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def port(self) -> int:
        """The local port of the service's first published container port."""
        return next(iter(self.ports.values()))

    def local_port(self, container_port: int) -> int:
        return self.ports[container_port]

    def _pick_ports(self) -> dict[int, int]:
        """A free local port per published container port (one for a service that publishes none)."""
        container_ports = [m.container_port for m in self.spec.ports] or [0]
        return dict(zip(container_ports, free_ports(len(container_ports))))

    def local_path(self, container_path: str) -> str | None:
        """Where a container path of this service's bind mounts lives locally (None: not mounted).

        A read-only bind is the stack definition's own file (stack/...); a writable one is run data, so
        it lives under the run's temporary directory (./volumes/x -> <workdir>/volumes/x), never in
        the checkout.
        """
        for mount in sorted(self.spec.volumes, key=lambda m: len(m.target), reverse=True):
            target = mount.target.rstrip("/")
            if not mount.is_bind or not (container_path == target or container_path.startswith(target + "/")):
                continue
            source = Path(mount.source)
            base = self.definition.root if mount.read_only else self.workdir
            local = source if source.is_absolute() else base / os.path.normpath(source)
            return str(local) + container_path[len(target):]
        return None

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def prepare(self) -> None:
        """One-time work before the first start (initdb, directories)."""

    @abstractmethod
    def command(self) -> ManagedProcess:
        """The process that serves this service on self.port."""

    @abstractmethod
    def probe(self) -> bool:
        """One readiness check against the real server; True when it serves."""

    def after_first_ready(self) -> None:
        """One-time work once the server first answers (schema bootstrap)."""

    def spawn(self) -> None:
        if not self.bootstrapped and any(is_listening(port) for port in self.ports.values()):
            self.repick_port()  # another process bound it since it was picked; its probe would answer for us
        self.process = self.command()
        self.process.start()

    def wait_ready(self, timeout: float) -> None:
        """Poll readiness until the deadline; PortTaken if another process won the port race."""
        self._poll(timeout)

    def repick_port(self) -> None:
        self.ports = self._pick_ports()

    def _poll(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.process.running:
                if "Address already in use" in self.process.log_tail(20):
                    raise PortTaken(self.name)
                raise StackStartError(self._failure(f"the process exited with code {self.process.exit_code()}"))
            try:
                if self.probe():
                    return
            except Exception as exc:  # noqa: BLE001 - not ready yet
                last_error = exc
            time.sleep(POLL_INTERVAL)
        raise StackStartError(self._failure(f"not healthy after {timeout:.0f}s (last error: {last_error})"))

    def _failure(self, why: str) -> str:
        tail = self.process.log_tail(25) if self.process else "(not started)"
        return f"{self.name} on {self.host}:{self.port}: {why}.\n--- tail of {self.log_path} ---\n{tail}"

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    def signal_and_wait(self, sig: int, timeout: float) -> tuple[int | None, float]:
        """(exit code, seconds) after sending sig; (None, timeout) if it is still running then (it is then killed)."""
        if not self.running:
            raise StackStartError(f"{self.name} is not running")
        began = time.monotonic()
        os.kill(self.process.pid, sig)
        try:
            code = self.process.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.stop(signal.SIGKILL, timeout=5)
            return None, time.monotonic() - began
        elapsed = time.monotonic() - began
        self.process.stop()  # reaps the group and forgets the process
        return code, elapsed

    def close(self) -> None:
        """Stop for good (the stack is going away)."""
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self.process and self.process.running)

    def answers(self) -> bool:
        return is_listening(self.port, self.host)

    def listening(self) -> None:
        """Raise unless something listens on the port: a probe's cheap first test before HTTP (a refused
        connect costs microseconds, an HTTP client's request 0.5 ms of CPU)."""
        if not self.answers():
            raise ConnectionError(f"nothing listens on {self.host}:{self.port} yet")

    def log_tail(self, lines: int = 50) -> str:
        return self.process.log_tail(lines) if self.process else "(not started)"


class PortTaken(Exception):
    """The server lost its port to another process between picking and binding it."""
