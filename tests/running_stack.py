"""A stack kept running by the harness daemon, shared by the behavioural broken variants of one test process.

A variant whose only changes are faults that the running simulators switch (GET/PUT /audit/v1/faults,
simulators/common/faults.py) reuses this stack: the fault is switched on, the features run against the
stack (`--target external`), the fault is switched off, and the stack must be healthy again before the next
variant (else it is started again). One stack per process and service set (HARNESS_SERVICES); another set
closes it and starts its own. The daemon watches this process (HARNESS_DAEMON_WATCH_PID), and its data
directory has an owner file, so a killed session leaves nothing running and the next stack sweeps the data.
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import yaml

from simulators.common.service import Domain
from simulators.common.settings import SWITCHABLE
from trading_harness import http_client
from trading_harness.cli.daemon import WATCH_ENV, StateDir, running_definition
from trading_harness.polling import DeadlineExceeded, wait_until
from trading_harness.targets import health
from trading_harness.targets.external import ExternalStack

from .repo import REPO, STACK

START_TIMEOUT = 180.0  # a loaded two-core machine starts a stack in up to 10 s; the whole stack, more
STOP_TIMEOUT = 30.0
HTTP_TIMEOUT = 10.0
FAULTS_PATH = "/audit/v1/faults"


class RunningStack:
    """`python -m trading_harness.cli.daemon --state-dir <tmp>` with HARNESS_SERVICES=services; its target file."""

    def __init__(self, services: str):
        self.services = services
        self.state = StateDir.owned("variants")
        self.base = self.state.path.parent
        self.daemon: subprocess.Popen | None = None
        self._switchable: dict[str, frozenset[str]] = {}
        self.starts = 0

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> RunningStack:
        self.state.path.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "trading_harness.cli.daemon", "--state-dir", str(self.state.path)]
        env = {**os.environ, WATCH_ENV: str(os.getpid()), "HARNESS_SERVICES": self.services}
        with open(self.state.log, "ab") as log:
            self.daemon = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda: self.state.target.is_file() or self.daemon.poll() is not None, START_TIMEOUT,
                       interval=0.05, message=f"the variants' stack ({self.services}) to write its target file")
        except DeadlineExceeded:
            self.stop()
            raise
        if not self.state.target.is_file():
            log = self.state.log.read_text(errors="replace")[-2000:]
            self.stop()
            raise RuntimeError(f"the variants' stack ({self.services}) did not start:\n{log}")
        self._switchable.clear()
        self.starts += 1
        return self

    def stop(self) -> None:
        """Stop the daemon (SIGTERM: it closes the stack; SIGKILL after STOP_TIMEOUT: its servers die with it)."""
        if self.daemon is None:
            return
        if self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait(STOP_TIMEOUT)
        self.daemon = None

    def restart(self) -> None:
        """A fresh stack in the same place: stopped, its data removed, started again."""
        self.stop()
        self.state.remove_data()
        self.start()

    def close(self) -> None:
        self.stop()
        self.state.remove_data()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- what the variants use ----------------------------------------------------------
    @property
    def target_file(self) -> Path:
        return self.state.target

    def _audit(self, service: str) -> str | None:
        audit = tomllib.loads(self.state.target.read_text()).get("audit", {})
        return f"http://{audit[service]}" if service in audit else None

    def switchable(self, service: str) -> frozenset[str]:
        """The faults the running service switches (none when it has no control API on this stack)."""
        if service not in self._switchable:
            url = self._audit(service)
            self._switchable[service] = frozenset() if url is None else frozenset(
                http_client.get(url + FAULTS_PATH, timeout=HTTP_TIMEOUT).raise_for_status().json()["switchable"])
        return self._switchable[service]

    def active(self, service: str) -> set[str]:
        return set(http_client.get(self._audit(service) + FAULTS_PATH, timeout=HTTP_TIMEOUT).raise_for_status().json()["active"])

    def switch(self, service: str, name: str, on: bool) -> set[str]:
        """PUT the fault on or off; the faults active afterwards."""
        reply = http_client.put(self._audit(service) + FAULTS_PATH, json={"faults": {name: on}}, timeout=HTTP_TIMEOUT)
        reply.raise_for_status()
        return set(reply.json()["active"])

    def unhealthy(self) -> dict[str, str]:
        """Service -> why, for every service that is down, fails its health check or has a fault on."""
        if self.daemon is None or self.daemon.poll() is not None or not self.state.target.is_file():
            return {"daemon": f"no stack runs in {self.state.path}"}
        stack = ExternalStack.from_file(running_definition(self.state, None), self.state.target)
        problems = {}
        for name in stack.services:
            if stack.definition.services[name].one_shot:
                continue
            result = health.check(stack, name)
            if not result.ok:
                problems[name] = result.detail
            elif self._audit(name) and (active := self.active(name)):
                problems[name] = f"faults still on: {', '.join(sorted(active))}"
        return problems


@functools.cache
def declared_switchable(service: str) -> frozenset[str]:
    """The faults a service of stack/ declares switchable, read without starting it: the simulator its compose
    command runs (`python -m simulators.<name>`) and its Defaults; none without a control API (AUDIT_PORT)."""
    spec = yaml.safe_load((STACK / "docker-compose.yml").read_text())["services"].get(service, {})
    command = spec.get("command") or []
    if "AUDIT_PORT" not in (spec.get("environment") or {}) or command[:2] != ["python", "-m"] \
            or not str(command[2]).startswith("simulators."):
        return frozenset()
    entry = importlib.import_module(f"{command[2]}.__main__")  # guarded by __name__ == "__main__": runs nothing
    domains = [v for v in vars(entry).values() if isinstance(v, type) and issubclass(v, Domain) and v is not Domain]
    return frozenset(SWITCHABLE + domains[0].defaults.switchable) if len(domains) == 1 else frozenset()


class RunningStacks:
    """At most one RunningStack per process, for one service set at a time; closed at session end."""

    def __init__(self) -> None:
        self.current: RunningStack | None = None
        self.restarts = 0
        self.runs: Counter[str] = Counter()  # "switched" / "fresh" / "fresh again": where the variants ran

    def get(self, services: str) -> RunningStack:
        """The running stack of `services`, healthy: another set's is closed, a broken one started again."""
        if self.current is not None and self.current.services != services:
            self.close()
        if self.current is None:
            self.runs["stack starts"] += 1
            self.current = RunningStack(services).start()
        elif self.current.unhealthy():
            self.restarts += 1
            self.current.restart()
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    def note(self, path: str | None) -> None:
        """Append where the variants ran to `path` (HARNESS_VARIANTS_LOG, read by bench/variants.py)."""
        if path:
            with open(path, "a") as log:
                log.write(json.dumps({"pid": os.getpid(), "restarts": self.restarts, **self.runs}) + "\n")
