"""The embedded target: real redis-server, PostgreSQL and harness services as local processes."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path

from trading_harness.definition import ServiceSpec, StackDefinition, dependency_closure, with_services
from trading_harness.errors import HarnessError, ServiceAbsent, StackConfigError, StackStartError
from trading_harness.lint import init_sql
from trading_harness.servers import LocalServer, PostgresServer
from trading_harness.servers.base import PortTaken
from trading_harness.service_kinds import SERVICE_KINDS
from trading_harness.targets import local_plan
from trading_harness.targets.stack import Address, Stack, Timing
from trading_harness.workdirs import OWNER_FILE, WORKDIR_PREFIX, sweep_stale_workdirs, temp_base

PORT_ATTEMPTS = 3


def run_postgres(spec: ServiceSpec, definition: StackDefinition, workdir: Path) -> PostgresServer:
    """PostgreSQL with the lint's diagnosis of its init SQL: a broken script stops the run at file:line."""
    return PostgresServer(spec, definition, workdir, diagnose=init_sql.diagnose)




def startup_order(services: dict[str, ServiceSpec]) -> list[list[str]]:
    """Services grouped in waves: each wave depends only on earlier waves (compose depends_on)."""
    waves, placed = [], set()
    while len(placed) < len(services):
        wave = sorted(n for n, s in services.items() if n not in placed and set(s.depends_on) <= placed)
        if not wave:
            cycle = sorted(set(services) - placed)
            raise StackConfigError(f"docker-compose.yml: depends_on has a cycle or an unknown service among {cycle}")
        waves.append(wave)
        placed.update(wave)
    return waves


def shutdown_order(services: dict[str, ServiceSpec], shared: set[str]) -> list[list[str]]:
    """Services grouped in waves for stopping: first every service that `shared` (the infrastructure and the
    registry, which the others need to stop cleanly: deregister, close their connections) does not need, all
    together; then the shared ones, dependants first. The stack is going away, so the order among the first
    wave's services does not matter, and stopping them one dependency level at a time only adds waits."""
    needed = dependency_closure(services, shared)
    first = sorted(set(services) - needed)
    rest = [[n for n in wave if n in needed] for wave in reversed(startup_order(services))]
    return [wave for wave in [first, *rest] if wave]


class EmbeddedStack(Stack):
    """Every compose service as a local process on free loopback ports, data in a temp dir."""

    target = "embedded"

    def __init__(self, definition: StackDefinition, timing: Timing | None = None, workdir: Path | None = None,
                 only: list[str] | None = None, persistent: bool = False):
        if only is None and os.environ.get("HARNESS_SERVICES"):
            only = [name.strip() for name in os.environ["HARNESS_SERVICES"].split(",") if name.strip()]
        if only:
            definition = with_services(definition, only)
        # What runs here: each service itself, a reference simulator in its place, or nothing (skipped, with why).
        self.plan = local_plan.plan(definition)
        definition = replace(definition, services={n: self.plan.run.get(n, s) for n, s in definition.services.items()},
                             absent=dict(self.plan.left_out))
        definition.profile.embedded.update(
            {**{n: f"runs as the reference simulator {m}" for n, m in self.plan.stand_ins.items()},
             **{n: f"left out: {why}" for n, why in self.plan.left_out.items()}})
        super().__init__(definition, timing or Timing(**definition.time))
        self._own_workdir = workdir is None
        if workdir is None:
            sweep_stale_workdirs(temp_base() or tempfile.gettempdir())
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=temp_base()))
        if self._own_workdir:
            (self.workdir / OWNER_FILE).write_text(str(os.getpid()))
        self.workdir.chmod(0o755)  # the unprivileged PostgreSQL user must reach its data dir
        self.persistent = persistent  # data survives a restart (a workdir of the caller's, e.g. `harness start`)
        self.servers: dict[str, LocalServer] = {}
        self.startup_seconds: float | None = None
        self._closed = False

    @classmethod
    def up(cls, definition: StackDefinition, **kwargs) -> EmbeddedStack:
        """Start everything and wait until healthy; on any failure tear down what started."""
        stack = cls(definition, **kwargs)
        try:
            stack._start_all()
        except BaseException:
            stack.close()
            raise
        return stack

    def _start_all(self) -> None:
        """Start each service as soon as what it depends on is healthy; prepare and wait in parallel.

        Processes are spawned from this thread only: the parent-death signal follows the spawning thread.
        """
        began = time.monotonic()
        startup_order(self.plan.run)  # rejects cycles before anything starts
        for name, spec in self.plan.run.items():
            self.servers[name] = SERVICE_KINDS[spec.kind].load_runner()(spec, self.definition, self.workdir)
        for server in self.servers.values():
            server.peers = self.servers
            server.persistent = self.persistent
        ready: set[str] = set()
        attempts: dict[str, int] = {}
        running: dict[Future, tuple[str, str]] = {}
        with ThreadPoolExecutor(max_workers=len(self.servers)) as pool:
            def launch(name: str) -> None:
                attempts[name] = attempts.get(name, 0) + 1
                self.servers[name].spawn()
                running[pool.submit(self._ready, self.servers[name])] = (name, "ready")

            for name in self._startable(ready, set()):
                running[pool.submit(self.servers[name].prepare)] = (name, "prepared")
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    name, stage = running.pop(future)
                    try:
                        future.result()
                    except PortTaken:
                        if attempts[name] >= PORT_ATTEMPTS:
                            raise StackStartError(f"{name}: its port kept being taken by other processes") from None
                        self.servers[name].repick_port()
                        launch(name)
                        continue
                    if stage == "prepared":
                        launch(name)
                        continue
                    ready.add(name)
                    started = {n for n, _ in running.values()} | ready
                    for follower in self._startable(ready, started):
                        running[pool.submit(self.servers[follower].prepare)] = (follower, "prepared")
        self.startup_seconds = time.monotonic() - began

    def _startable(self, ready: set[str], started: set[str]) -> list[str]:
        return [n for n, spec in self.plan.run.items()
                if n not in started and set(spec.depends_on) <= ready]

    def _ready(self, server: LocalServer) -> None:
        server.wait_ready(self.timing.ready_timeout)
        if not server.bootstrapped:
            server.after_first_ready()
            server.bootstrapped = True

    # -- Stack -----------------------------------------------------------
    @property
    def services(self) -> list[str]:
        """The long-running services this target runs (a service left out is not among them)."""
        return [name for name in super().services if name not in self.plan.left_out]

    def _server(self, service: str) -> LocalServer:
        if service in self.plan.left_out:
            raise ServiceAbsent(f"service '{service}' does not run on the embedded target: {self.plan.left_out[service]}")
        try:
            return self.servers[service]
        except KeyError:
            raise HarnessError(f"service '{service}' is not running in this embedded stack (running: "
                               f"{', '.join(self.servers)}); HARNESS_SERVICES limits what starts") from None

    def address(self, service: str) -> Address:
        server = self._server(service)
        return Address(server.host, server.port)

    def grpc_address(self, service: str) -> Address:
        server, grpc_port = self._server(service), self.definition.services[service].grpc_port
        if grpc_port is None:
            return super().grpc_address(service)
        return Address(server.host, server.local_port(grpc_port))

    def audit_address(self, service: str) -> Address:
        server, audit_port = self._server(service), self.definition.services[service].audit_port
        if audit_port is None:
            return super().audit_address(service)
        return Address(server.host, server.local_port(audit_port))

    def stop(self, service: str) -> None:
        self._server(service).stop()

    def start(self, service: str) -> None:
        server = self._server(service)
        if not server.running:
            server.spawn()
            server.wait_ready(self.timing.ready_timeout)

    def start_many(self, services: list[str]) -> None:
        """In waves: a wave is every stopped service none of whose dependencies is still to start; its
        processes are spawned from this thread (the parent-death signal follows it), then awaited together."""
        for wave in self.start_waves([name for name in services if not self._server(name).running]):
            for name in wave:
                self.servers[name].spawn()
            with ThreadPoolExecutor(max_workers=len(wave)) as pool:
                list(pool.map(lambda name: self.servers[name].wait_ready(self.timing.ready_timeout), wave))

    def terminate(self, service: str, sig: int, timeout: float = 10.0) -> tuple[int | None, float]:
        return self._server(service).signal_and_wait(sig, timeout)

    def is_running(self, service: str) -> bool:
        return self._server(service).running

    def logs(self, service: str, lines: int = 50) -> str:
        return self._server(service).log_tail(lines)

    def raw_logs(self, service: str, lines: int = 500) -> str:
        try:
            text = self._server(service).log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def pids(self) -> dict[str, int | None]:
        """The server processes (a one-shot step has exited: it is not one)."""
        return {name: s.process.pid if s.process else None for name, s in self.servers.items() if not s.spec.one_shot}

    def close(self) -> None:
        """Stop every server (dependants first) and remove the temp dir."""
        if self._closed:
            return
        self._closed = True
        profile = self.definition.profile
        for wave in shutdown_order(self.plan.run, {profile.service(p) for p in ("redis", "postgres", "registry")}):
            closing = [self.servers[name] for name in wave if name in self.servers]
            if len(closing) > 1:  # a wave's servers do not depend on each other: stop them together
                with ThreadPoolExecutor(max_workers=len(closing)) as pool:
                    list(pool.map(lambda server: server.close(), closing))
            elif closing:
                closing[0].close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
