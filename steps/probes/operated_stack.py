"""A stack run by the `harness` command in its own state directory, as an operator runs it."""
from __future__ import annotations

import os
import shutil

import psycopg
import redis

from steps.probes.harness_command import CommandResult, run_harness
from trading_harness.cli.daemon import WATCH_ENV, StateDir, running_definition
from trading_harness.definition import StackDefinition, with_services
from trading_harness.servers.ports import is_listening
from trading_harness.targets import health
from trading_harness.targets.external import ExternalStack

MARKER_TABLE = "harness_operations_marker"
MARKER_KEY = "harness:operations:marker"
COMMAND_TIMEOUT = 240
# The operations criteria are about the commands, not the size of the stack: the operated stack runs the
# infrastructure, the registry and one simulator (each kind of service the commands handle), so that its
# starts, stops and restarts cost a fraction of the whole stack's. A run narrowed with HARNESS_SERVICES keeps
# its own narrowing; a stack without these names (a foreign one) is operated whole.
OPERATED_SERVICES = ("redis", "postgres", "service-registry", "exchange-simulator")


class OperatedStack:
    """`harness <command> --state-dir <tmp>`; reads what the commands leave behind (target file, data dir)."""

    def __init__(self, definition: StackDefinition):
        self.definition = definition
        self.state = StateDir.owned("operations")
        self.base = self.state.path.parent
        self.last_addresses: dict[str, tuple[str, int]] = {}
        self._attached: tuple[str, ExternalStack] | None = None  # (its target file's text, the stack)

    def run(self, *args: str, evidence=None, timeout: float = COMMAND_TIMEOUT) -> CommandResult:
        # the daemon stops if this session dies without cleaning up (SIGKILL)
        return run_harness("--state-dir", str(self.state.path), "--stack-dir", str(self.definition.root), *args,
                           timeout=timeout, evidence=evidence,
                           env={WATCH_ENV: str(os.getpid()), "HARNESS_SERVICES": ",".join(self.only())})

    def only(self) -> list[str]:
        """The services the operated stack is narrowed to ([] = the whole stack)."""
        narrowed = [n.strip() for n in os.environ.get("HARNESS_SERVICES", "").split(",") if n.strip()]
        if narrowed:
            return narrowed
        return list(OPERATED_SERVICES) if set(OPERATED_SERVICES) <= set(self.definition.services) else []

    def services(self) -> list[str]:
        """The services `harness start` must bring up: the compose file's, narrowed like the commands."""
        only = self.only()
        definition = with_services(self.definition, only) if only else self.definition
        return [name for name, spec in definition.services.items() if not spec.one_shot]

    @property
    def running(self) -> bool:
        return self.state.daemon_pid() is not None and self.state.target.is_file()

    def attached(self) -> ExternalStack:
        """The running stack, read from its target file; read again only when a start wrote another file."""
        try:
            text = self.state.target.read_text()
        except OSError:
            text = None  # from_file says what is wrong
        if text is None or self._attached is None or self._attached[0] != text:
            stack = ExternalStack.from_file(running_definition(self.state, str(self.definition.root)), self.state.target)
            self._attached = (text, stack)
        stack = self._attached[1]
        self.last_addresses = {n: (a.host, a.port) for n in stack.services for a in [stack.address(n)]}
        return stack

    def unhealthy(self) -> dict[str, str]:
        """Service -> why, for every service that fails its operator health check."""
        if not self.running:
            return dict.fromkeys(self.services(), f"no stack runs in {self.state.path} (no daemon or no target file)")
        stack = self.attached()
        results = {name: health.check(stack, name) for name in self.services()}
        return {name: result.detail for name, result in results.items() if not result.ok}

    def listening(self) -> list[str]:
        """Services of the last attached stack whose address still answers."""
        return [name for name, (host, port) in self.last_addresses.items() if is_listening(port, host, 1)]

    def write_marker(self, token: str) -> None:
        stack = self.attached()
        with psycopg.connect(stack.postgres_dsn(), connect_timeout=5, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (token text PRIMARY KEY)")
            conn.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s)", (token,))
        client = redis.Redis.from_url(stack.redis_url("admin"), socket_timeout=5, socket_connect_timeout=5)
        try:
            client.set(MARKER_KEY, token)
        finally:
            client.close()

    def read_marker(self) -> tuple[list[str], str | None]:
        """(marker tokens in PostgreSQL, marker value in Redis) of the running stack."""
        assert self.running, f"no stack runs in {self.state.path} (no daemon or no target file)"
        stack = self.attached()
        with psycopg.connect(stack.postgres_dsn(), connect_timeout=5, autocommit=True) as conn:
            exists = conn.execute("SELECT to_regclass(%s)", (MARKER_TABLE,)).fetchone()[0]
            rows = conn.execute(f"SELECT token FROM {MARKER_TABLE}").fetchall() if exists else []
        client = redis.Redis.from_url(stack.redis_url("admin"), socket_timeout=5, socket_connect_timeout=5)
        try:
            value = client.get(MARKER_KEY)
        finally:
            client.close()
        return [row[0] for row in rows], value.decode() if value else None

    def close(self) -> None:
        """Stop the stack and remove everything it wrote."""
        if self.state.daemon_pid():
            self.run("clean")
        self.state.remove_data()
        shutil.rmtree(self.base, ignore_errors=True)
