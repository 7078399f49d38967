"""A throwaway redis-server loading the stack's redis.conf and ACL file, as copies it may adapt.

A line Redis refuses is reported and blanked, and Redis tried again, so one run names every
broken line. The lint gets its own admin user in the copied ACL for ACL DRYRUN.

redis.conf is code from the stack folder: the copy never carries `include` or `loadmodule` (the
lint names them as findings, lint/dangerous.py), and the server runs sandboxed
(servers/sandbox.py): unprivileged, a minimal environment, no TCP port (a Unix socket in its
directory, in a network namespace of its own when the machine allows), a read-only system view.
"""
from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from trading_harness.polling import wait_until
from trading_harness.servers.identity import server_env, server_identity
from trading_harness.servers.processes import Confinement, ManagedProcess, find_binary
from trading_harness.stack_reader.bounded import is_readable_file, read_lines
from trading_harness.workdirs import owned_workdir

READY_TIMEOUT = 15.0
MAX_ATTEMPTS = 30
_CONF_ERROR = re.compile(r"at line (?P<line>\d+)\s*\n>>> '(?P<text>.*)'\s*\n(?P<error>.*)")
_ACL_ERROR = re.compile(r"(?P<file>/\S+):(?P<line>\d+): (?P<error>.*?)(?= /\S+:\d+: | WARNING:|$)", re.MULTILINE)
_ACL_DUPLICATE = re.compile(r"Duplicate user '(?P<user>[^']+)' found on line (?P<line>\d+)")


@dataclass
class Refusal:
    source: str   # "conf" or "acl"
    line: int
    text: str
    error: str


@dataclass
class RedisRun:
    """What loading the files gave: the lines refused, and a client once Redis runs."""

    refusals: list[Refusal] = field(default_factory=list)
    client: redis.Redis | None = None
    socket: str | None = None  # the server's Unix socket (it listens on no TCP port)
    failure: str | None = None


class ThrowawayRedis:
    """Context manager: start redis-server on copies of conf and ACL until it loads them."""

    def __init__(self, conf: Path | None, acl: Path | None, adaptable, overridden: set[str] = frozenset(),
                 withheld: set[str] = frozenset()):
        self.conf_lines = read_lines(conf) if conf and is_readable_file(conf) else []
        self.withheld: list[tuple[int, str]] = []  # (line, text) of directives the server never saw
        for index, line in enumerate(self.conf_lines):  # container paths the command line sets anyway
            directive = line.split()[0].lower() if line.split() else ""
            if directive in withheld:
                self.withheld.append((index + 1, line.strip()))
            if directive in overridden or directive in withheld:
                self.conf_lines[index] = ""
        self.acl_lines = read_lines(acl) if acl and is_readable_file(acl) else []
        self.adaptable = adaptable  # (directive text, error) -> note text or None
        self.home = owned_workdir("trading-harness-lint-redis-")  # swept if this process is killed
        self.identity = server_identity()
        self.identity.chown(self.home)
        self.user, self.password = f"harness-lint-{secrets.token_hex(4)}", secrets.token_hex(16)
        self.process: ManagedProcess | None = None
        self.result = RedisRun()
        self.notes: list[tuple[int, str]] = []

    def __enter__(self) -> RedisRun:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self.result

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.result.client:
            self.result.client.close()
        if self.process:
            self.process.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def _start(self) -> None:
        binary = find_binary("redis-server")
        for attempt in range(MAX_ATTEMPTS):
            conf, acl = self.home / "redis.conf", self.home / "users.acl"
            conf.write_text("\n".join(self.conf_lines) + "\n")
            acl.write_text("\n".join([*self.acl_lines, f"user {self.user} on >{self.password} ~* &* +@all"]) + "\n")
            socket = self.home / f"redis-{attempt}.sock"
            argv = [binary, str(conf), "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
                    "--protected-mode", "yes",
                    "--aclfile", str(acl), "--dir", str(self.home), "--daemonize", "no", "--supervised", "no",
                    "--logfile", "", "--save", "", "--appendonly", "no"]
            log = self.home / f"redis-{attempt}.log"
            self.process = ManagedProcess("lint-redis", argv, log, env=server_env(),
                                          confinement=Confinement(self.identity, writable=[self.home], network=False))
            self.process.start()
            client = redis.Redis(unix_socket_path=str(socket), username=self.user, password=self.password,
                                 socket_timeout=3, socket_connect_timeout=1, decode_responses=True,
                                 retry=Retry(NoBackoff(), 0))
            wait_until(lambda c=client: not self.process.running or c.ping(), READY_TIMEOUT, interval=0.01,
                       message="throwaway redis-server for the lint")
            if self.process.running:
                self.result.client, self.result.socket = client, str(socket)
                return
            client.close()
            output = log.read_text(errors="replace")
            if not self._blank_refused_line(output):
                self.result.failure = output.strip().splitlines()[-1] if output.strip() else "redis-server exited"
                return
            self.process = None
        self.result.failure = f"redis-server still refused its files after {MAX_ATTEMPTS} attempts"

    def _blank_refused_line(self, output: str) -> bool:
        """Record the line Redis refused and blank it in the copy; False when none can be named."""
        match = _CONF_ERROR.search(output)
        if match and 0 < int(match["line"]) <= len(self.conf_lines):
            line = int(match["line"])
            note = self.adaptable(match["text"], match["error"])
            if note:
                self.notes.append((line, note))
            else:
                self.result.refusals.append(Refusal("conf", line, match["text"], match["error"].strip()))
            self.conf_lines[line - 1] = ""
            return True
        acl_output = output[output.find("because of ACL errors"):] if "because of ACL errors" in output else ""
        errors = [(int(m["line"]), m["error"].strip()) for m in _ACL_ERROR.finditer(acl_output)]
        errors += [(int(m["line"]), f"user {m['user']} is declared twice") for m in _ACL_DUPLICATE.finditer(acl_output)]
        errors = [(line, error) for line, error in errors if 0 < line <= len(self.acl_lines) and self.acl_lines[line - 1]]
        for line, error in errors:
            self.result.refusals.append(Refusal("acl", line, self.acl_lines[line - 1], error))
            self.acl_lines[line - 1] = ""
        return bool(errors)
