"""A one-shot compose step (`command: [sh, <script>]`) run locally with sh.

The volume initialisation (TSE-0001.12.0) is one: services that depend on it with
`condition: service_completed_successfully` start once it has exited 0. Container paths in its
command and environment become local paths through its bind mounts (LocalServer.local_path): the
script itself comes from stack/, writable mounts from the run's temporary directory.

The script is the stack's code, so it gets least privilege: the application user (the one the
services run as, servers/application.py; unprivileged as root), whose ids the compose file's owner
variables (VOLUME_UID, OWNER=uid:gid, ...) become, so the directories it makes belong to the services.
Where bubblewrap runs it is sandboxed: read-only system view, its writable bind mounts the only
writable paths, its read-only mounts and the stack folder readable, and no network unless it waits for
another service (depends_on: it talks to it). Its environment is its compose environment, nothing else.
"""
from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from trading_harness.errors import StackStartError
from trading_harness.servers import sandbox
from trading_harness.servers.application import application_env, application_identity, inside, writable_dir
from trading_harness.servers.base import LocalServer
from trading_harness.servers.identity import ServerIdentity
from trading_harness.servers.processes import Confinement, ManagedProcess, find_binary
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

    @functools.cached_property
    def identity(self) -> ServerIdentity:
        return application_identity()

    def environment(self) -> dict[str, str]:
        env = application_env()
        owners = owner_variables(self.spec.environment)  # VOLUME_UID, OWNER=uid:gid, ...: the services' user
        for key, value in self.spec.environment.items():
            env[key] = as_local(key, value, self.identity.uid, self.identity.gid) if key in owners \
                else self._localise(value)
        return env

    def _localise(self, value: str) -> str:
        return (self.local_path(value) or value) if value.startswith("/") else value

    @property
    def needs_network(self) -> bool:
        """Only a step that waits for another service talks to one."""
        return bool(self.spec.depends_on)

    def command(self) -> ManagedProcess:
        script = self._localise(self.spec.command[1])
        if not os.path.isfile(script):
            raise StackStartError(f"{self.name}: its script {self.spec.command[1]} is not in the stack definition "
                                  f"(looked for {script}; mount it read-only from the stack directory)")
        if not inside(script, self.definition.root):
            raise StackStartError(f"{self.name}: its script {self.spec.command[1]} comes from {script}, outside the "
                                  f"stack folder {self.definition.root}; the step sees only the stack folder")
        # Writable bind sources are created like docker would, and handed to the step's user.
        # A mount of a host path (outside the stack folder or the run's directory) is left out.
        writable = [writable_dir(Path(self.local_path(m.target)), self.identity, self.workdir)
                    for m in self.spec.volumes if m.is_bind and not m.read_only]
        confinement = Confinement(self.identity, writable=[p for p in writable if p is not None and p.is_dir()],
                                  readable=[self.definition.root],
                                  network=self.needs_network, chdir=Path("/"),
                                  what=sandbox.APPLICATIONS)
        return ManagedProcess(self.name, [self.binary, script], self.log_path, env=self.environment(),
                              cwd=Path("/"), confinement=confinement)

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
