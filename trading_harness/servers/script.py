"""A one-shot compose step (`command: [sh, <script>]`) run locally with sh.

The volume initialisation (TSE-0001.12.0) is one: services that depend on it with
`condition: service_completed_successfully` start once it has exited 0. Container paths in its
command and environment become local paths through its bind mounts (LocalServer.local_path): the
script itself comes from stack/, writable mounts from the run's temporary directory. The embedded
stack runs every service as the harness's own user, so the user ids that the compose file gives
the containers' user become the harness's.
"""
from __future__ import annotations

import os
import subprocess

from trading_harness.errors import StackStartError
from trading_harness.servers.base import LocalServer
from trading_harness.servers.processes import ManagedProcess, find_binary
from trading_harness.stack_reader.owners import as_local, owner_variables


class ScriptStep(LocalServer):
    """Ready when the script has exited 0 (compose's service_completed_successfully)."""

    def _pick_ports(self) -> dict[int, int]:
        return {}

    @property
    def port(self) -> int:
        return 0

    def prepare(self) -> None:
        self.binary = find_binary("sh")

    def environment(self) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        owners = owner_variables(self.spec.environment)  # VOLUME_UID, OWNER=uid:gid, ...: the harness's own ids
        for key, value in self.spec.environment.items():
            env[key] = as_local(key, value, os.getuid(), os.getgid()) if key in owners else self._localise(value)
        return env

    def _localise(self, value: str) -> str:
        return (self.local_path(value) or value) if value.startswith("/") else value

    def command(self) -> ManagedProcess:
        script = self._localise(self.spec.command[1])
        if not os.path.isfile(script):
            raise StackStartError(f"{self.name}: its script {self.spec.command[1]} is not in the stack definition "
                                  f"(looked for {script}; mount it read-only from the stack directory)")
        for mount in self.spec.volumes:  # writable bind sources are created like docker would
            if mount.is_bind and not mount.read_only:
                os.makedirs(self.local_path(mount.target), exist_ok=True)
        return ManagedProcess(self.name, [self.binary, script], self.log_path, env=self.environment())

    def probe(self) -> bool:
        return False  # never "serving": wait_ready waits for the exit instead

    def wait_ready(self, timeout: float) -> None:
        try:
            code = self.process.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.stop()
            raise StackStartError(self._failure(f"did not complete within {timeout:.0f}s")) from None
        if code != 0:
            raise StackStartError(self._failure(f"the step exited with code {code}"))
        self.completed = True

    completed = False  # set once the script has exited 0

    @property
    def running(self) -> bool:
        """A completed step counts as up: nothing needs starting again."""
        return self.completed or super().running

    def answers(self) -> bool:
        return self.completed

    def _failure(self, why: str) -> str:
        tail = self.process.log_tail(25) if self.process else "(not started)"
        return f"{self.name}: {why}.\n--- tail of {self.log_path} ---\n{tail}"
