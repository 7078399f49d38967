"""The compose target: stack/docker-compose.yml run by Docker Compose V2 under a unique project name.

testcontainers' DockerCompose runs `up --wait`, `down -v` and reads the published ports; the docker
SDK reads labels, state, health and logs, sends a service its signals, and reaps stacks whose owner is gone
(compose_owner.py).
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from testcontainers.compose import DockerCompose

from trading_harness.definition import StackDefinition, with_services
from trading_harness.docker_engine import preflight
from trading_harness.errors import HarnessError, StackStartError
from trading_harness.images.build import ensure_images
from trading_harness.masking import mask
from trading_harness.polling import wait_until
from trading_harness.targets import health
from trading_harness.targets.compose_file import runtime_compose, time_environment, write_runtime_files
from trading_harness.targets.compose_owner import PROJECT, Owner, reap
from trading_harness.targets.stack import Address, Stack, Timing
from trading_harness.termination import Termination
from trading_harness.workdirs import owned_workdir, sweep_stale_workdirs, temp_base

SERVICE = "com.docker.compose.service"  # the label naming a container's compose service
PROJECT_PREFIX = "harness-"
ENGINE_TIME = re.compile(r"(?P<whole>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d+))?Z")
UP_TIMEOUT = 300.0  # seconds for `up --wait`; an unhealthy service fails it long before
COMMAND_TIMEOUT = 120.0
LOG_TAIL = 3  # log lines in the one-line "never became healthy" message


class _Compose(DockerCompose):
    """DockerCompose whose every command has a deadline."""

    timeout: float = COMMAND_TIMEOUT

    def _run_command(self, cmd, context=None):
        return subprocess.run(cmd, capture_output=True, check=True, cwd=context or str(self.context), timeout=self.timeout)

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """`docker compose <args>` for this project; StackStartError with compose's message when it fails."""
        argv = [*self.compose_command_property, *args]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, cwd=str(self.context), timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StackStartError(f"`docker compose {' '.join(args)}` did not finish within {timeout:.0f}s") from None
        if done.returncode != 0:
            raise StackStartError(f"docker compose {' '.join(args)} failed: {mask(done.stderr.strip()[-1500:])}")
        return done.stdout


def narrowed(definition: StackDefinition) -> StackDefinition:
    """The definition narrowed to HARNESS_SERVICES=a,b and what they depend on (all of it when unset)."""
    only = [n.strip() for n in os.environ.get("HARNESS_SERVICES", "").split(",") if n.strip()]
    return with_services(definition, only) if only else definition


def ensure_pulled(definition: StackDefinition, engine, services: set[str], built: dict[str, str]) -> None:
    """Every image the run needs and does not build is in the engine, or one line naming it and the fix."""
    from docker.errors import DockerException
    for name in sorted(services):
        spec = definition.services[name]
        if not spec.image or spec.image in built or spec.build:
            continue
        try:
            engine.images.get(spec.image)
            continue
        except DockerException:
            pass
        try:
            engine.images.pull(spec.image)
        except DockerException as exc:
            cause = (str(exc).splitlines() or [""])[0][:160]
            raise StackStartError(f"service '{name}': image {spec.image} is not in the Docker engine and cannot be "
                                  f"pulled ({cause}); fix: `docker pull {spec.image}` where its registry is reachable "
                                  f"(or `docker load` it), or leave the service out with HARNESS_SERVICES") from None


class ComposeStack(Stack):
    """Containers from the compose file; endpoints are the ports Docker published on 127.0.0.1."""

    target = "compose"

    def __init__(self, definition: StackDefinition, engine, run_id: str | None = None):
        definition = narrowed(definition)
        super().__init__(definition, Timing(**definition.time))
        self.engine = engine
        self.run_id = run_id or uuid.uuid4().hex[:10]
        self.project = f"{PROJECT_PREFIX}{self.run_id}"
        self.owner = Owner.this_process(self.run_id)
        self.workdir = owned_workdir(f"trading-harness-{self.project}-")  # swept by the next run if killed
        self.startup_seconds: float | None = None
        self._ports: dict[tuple[str, int], Address] = {}
        self._closed = False
        self.compose: _Compose | None = None

    # -- bring-up ----------------------------------------------------------
    @classmethod
    def up(cls, definition: StackDefinition) -> ComposeStack:
        engine = preflight()
        reap(engine)  # stacks of harness runs that were SIGKILLed
        sweep_stale_workdirs(temp_base() or tempfile.gettempdir())  # and their run directories
        services = set(narrowed(definition).services)  # HARNESS_SERVICES narrows the builds too
        images = ensure_images(definition.compose_file, engine, log=lambda line: print(f"compose: {line}", flush=True),
                               services=services)
        ensure_pulled(definition, engine, services, images)
        stack = cls(definition, engine)
        stack.images = images  # service -> image tag, for the reports
        stack._guard()
        began = time.monotonic()
        try:
            stack._up(images)
        except BaseException:
            stack.close()
            raise
        stack.startup_seconds = time.monotonic() - began
        return stack

    def _up(self, images: dict[str, str]) -> None:
        doc = runtime_compose(self.definition, self.project, self.owner.labels(), images, data_dir=self.workdir / "data")
        compose_file, env_file = write_runtime_files(self.workdir, doc, time_environment(self.definition))
        self.compose = _Compose(str(self.workdir), compose_file_name=compose_file.name, env_file=env_file.name,
                                wait=True, build=False, pull=False)
        self.compose.timeout = UP_TIMEOUT
        try:
            self.compose.start()
        except subprocess.CalledProcessError as exc:
            raise StackStartError(self._why_not_healthy(exc.stderr.decode(errors="replace"))) from None
        except subprocess.TimeoutExpired:
            raise StackStartError(self._why_not_healthy(f"`up --wait` did not finish within {UP_TIMEOUT:.0f}s")) from None
        finally:
            self.compose.timeout = COMMAND_TIMEOUT
        for container in self._containers():
            self._read_ports(container)
        self._pin_ports(doc, compose_file)

    def _pin_ports(self, doc: dict, compose_file: Path) -> None:
        """Keep the ports Docker chose: a restarted service answers where its clients left it."""
        for name, service in doc["services"].items():
            service["ports"] = [f"127.0.0.1:{self._published(name, int(str(p).rsplit(':', 1)[1])).port}:"
                                f"{str(p).rsplit(':', 1)[1]}" for p in service.get("ports") or []]
        write_runtime_files(self.workdir, doc, time_environment(self.definition))

    def _why_not_healthy(self, compose_error: str) -> str:
        """One line: the first service that is not healthy, its health-check output and its log tail."""
        def status(container) -> str:
            state = container.attrs["State"]
            return (state.get("Health") or {}).get("Status", state.get("Status"))

        # The unhealthy or exited one first: the services waiting on it are only "created".
        order = {"unhealthy": 0, "exited": 1, "dead": 1, "starting": 2}
        for container in sorted(self._containers(all=True), key=lambda c: order.get(status(c), 3)):
            state = container.attrs["State"]
            if status(container) in ("healthy", "running") and state.get("Running"):
                continue
            service = container.labels.get(SERVICE, container.name)
            checks = (state.get("Health") or {}).get("Log") or []
            output = checks[-1].get("Output", "").strip().splitlines() if checks else ["no health-check ran"]
            tail = container.logs(tail=LOG_TAIL).decode(errors="replace").strip().splitlines()
            return mask(f"service '{service}' never became healthy ({status(container)}, exit code {state.get('ExitCode')}): "
                        f"health check: {(output or ['no output'])[-1][-300:]}; "
                        f"last log lines: {' | '.join(tail) or 'none'}")
        return mask(f"docker compose up --wait failed: {compose_error.strip().splitlines()[-1:] or 'no output'}")

    def _guard(self) -> None:
        """Interpreter exit runs `down -v`. SIGTERM is the process's to handle (pytest's plugin and the
        daemon record it and exit 143); where nobody handles it, it becomes KeyboardInterrupt, so
        `up` and the caller's `finally` take the stack down instead of the process dying with it up."""
        atexit.register(self.close)
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            Termination().install()

    # -- inspection through the docker SDK ------------------------------------
    def _labels(self, service: str | None) -> list[str]:
        """The label filter of this project's containers, or of one service's."""
        return [f"{PROJECT}={self.project}"] + ([f"{SERVICE}={service}"] if service else [])

    def _containers(self, service: str | None = None, all: bool = False) -> list:  # noqa: A002 - SDK's name
        return self.engine.containers.list(all=all, filters={"label": self._labels(service)})

    def _container(self, service: str):
        found = self._containers(service, all=True)
        if not found:
            raise HarnessError(f"the compose project {self.project} has no container for '{service}'")
        return found[0]

    def _read_ports(self, container) -> None:
        service = container.labels[SERVICE]
        for key, bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).items():
            for binding in bindings or []:
                if binding.get("HostIp") in ("127.0.0.1", ""):
                    self._ports[(service, int(key.split("/")[0]))] = Address("127.0.0.1", int(binding["HostPort"]))

    def _published(self, service: str, container_port: int) -> Address:
        try:
            return self._ports[(service, container_port)]
        except KeyError:
            raise HarnessError(f"'{service}' publishes no port for container port {container_port}") from None

    # -- endpoints ---------------------------------------------------------
    def address(self, service: str) -> Address:
        return self._published(service, self.definition.services[service].container_port)

    def grpc_address(self, service: str) -> Address:
        grpc_port = self.definition.services[service].grpc_port
        return super().grpc_address(service) if grpc_port is None else self._published(service, grpc_port)

    def audit_address(self, service: str) -> Address:
        audit_port = self.definition.services[service].audit_port
        return super().audit_address(service) if audit_port is None else self._published(service, audit_port)

    # -- lifecycle ---------------------------------------------------------
    def stop(self, service: str) -> None:
        self.compose.run("stop", "--timeout", "10", service)

    def start(self, service: str) -> None:
        self.start_many([service])

    def start_many(self, services: list[str]) -> None:
        """In dependency waves: one `up` for a wave, then its services awaited healthy together.
        `up` rather than `start`: the first time it recreates a container with its ports pinned (a plain start
        would let Docker choose new ones); later it just starts it."""
        for wave in self.start_waves(services):
            self.compose.run("up", "--detach", "--no-deps", *wave)
            with ThreadPoolExecutor(max_workers=len(wave)) as pool:
                list(pool.map(self._healthy, wave))

    def _healthy(self, service: str) -> None:
        wait_until(lambda: health.check(self, service).ok, self.timing.ready_timeout,
                   message=f"{service} to be healthy after start")

    def terminate(self, service: str, sig: int, timeout: float = 10.0) -> tuple[int | None, float]:
        """The signal goes through the engine's API, and the time is the engine's own record of the exit
        (State.FinishedAt): neither a CLI's start-up nor the polling counts in a service's shutdown time."""
        containers = self._containers(service)
        if not containers:
            raise HarnessError(f"'{service}' is not running")
        sent, began = time.time(), time.monotonic()
        for container in containers:
            container.kill(signal=signal.Signals(sig).name)
        try:
            wait_until(lambda: not self.is_running(service), timeout, message=f"{service} to exit")
        except Exception:  # noqa: BLE001 - still running: report it as such
            return None, time.monotonic() - began
        waited = time.monotonic() - began
        for container in containers:
            container.reload()
        finished = [engine_time(c.attrs["State"].get("FinishedAt", "")) for c in containers]
        took = max(finished) - sent if None not in finished else None
        # Another clock (a remote engine) or an unreadable time: the harness's own wait, which is never shorter.
        took = took if took is not None and 0 <= took <= waited + 1 else waited
        codes = [c.attrs["State"]["ExitCode"] for c in containers]
        return next((code for code in codes if code != 0), codes[0]), took

    def ensure_running(self) -> None:
        """After every scenario: one listing of the project's running containers, not one per service."""
        if self._closed:  # a closed stack has nothing to restore (and no run directory to run compose in)
            return
        running = self._running_services()
        self.start_many([service for service in self.services if service not in running])

    def is_running(self, service: str) -> bool:
        return service in self._running_services(service)

    def _running_services(self, service: str | None = None) -> set[str]:
        """The services with a running container: the engine's list alone (sparse), no inspect per container."""
        found = self.engine.containers.list(sparse=True, filters={"label": self._labels(service), "status": "running"})
        return {(c.attrs.get("Labels") or {}).get(SERVICE) for c in found}

    def logs(self, service: str, lines: int = 50) -> str:
        return mask(self.raw_logs(service, lines))

    def raw_logs(self, service: str, lines: int = 500) -> str:
        return self._container(service).logs(tail=lines).decode(errors="replace")

    def close(self) -> None:
        """`down --volumes`; whatever still carries this run's labels is removed through the SDK."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.compose is not None:
                self.compose.run("down", "--volumes", "--remove-orphans", "--timeout", "5", timeout=180)
        except HarnessError:
            pass
        finally:
            reap(self.engine, only_run=self.run_id)
            shutil.rmtree(self.workdir, ignore_errors=True)


def engine_time(text: str) -> float | None:
    """A Docker engine timestamp (RFC 3339 in UTC, nanoseconds) as seconds since the epoch; None if unreadable."""
    found = ENGINE_TIME.fullmatch(text or "")
    if not found:
        return None
    whole = datetime.strptime(found["whole"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
    return whole + float("0." + (found["fraction"] or "0"))
