"""A throwaway redis-server loading the stack's redis.conf and ACL file, as copies it may adapt.

A line Redis refuses is reported and blanked, and Redis tried again, so one run names every
broken line. The lint gets its own admin user in the copied ACL for ACL DRYRUN.
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
from trading_harness.servers.ports import LOOPBACK, free_port
from trading_harness.servers.processes import ManagedProcess, find_binary
from trading_harness.targets.embedded import owned_workdir
from trading_harness.stack_reader.bounded import is_readable_file, read_lines

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
    port: int | None = None
    failure: str | None = None


class ThrowawayRedis:
    """Context manager: start redis-server on copies of conf and ACL until it loads them."""

    def __init__(self, conf: Path | None, acl: Path | None, adaptable, overridden: set[str] = frozenset()):
        self.conf_lines = read_lines(conf) if conf and is_readable_file(conf) else []
        for index, line in enumerate(self.conf_lines):  # container paths the command line sets anyway
            if line.split()[:1] and line.split()[0].lower() in overridden:
                self.conf_lines[index] = ""
        self.acl_lines = read_lines(acl) if acl and is_readable_file(acl) else []
        self.adaptable = adaptable  # (directive text, error) -> note text or None
        self.home = owned_workdir("trading-harness-lint-redis-")  # swept if this process is killed
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
            port = free_port()
            argv = [binary, str(conf), "--port", str(port), "--bind", LOOPBACK, "--protected-mode", "yes",
                    "--aclfile", str(acl), "--dir", str(self.home), "--daemonize", "no", "--supervised", "no",
                    "--logfile", "", "--save", "", "--appendonly", "no"]
            log = self.home / f"redis-{attempt}.log"
            self.process = ManagedProcess("lint-redis", argv, log)
            self.process.start()
            client = redis.Redis(host=LOOPBACK, port=port, username=self.user, password=self.password,
                                 socket_timeout=3, socket_connect_timeout=1, decode_responses=True,
                                 retry=Retry(NoBackoff(), 0))
            wait_until(lambda c=client: not self.process.running or c.ping(), READY_TIMEOUT, interval=0.01,
                       message="throwaway redis-server for the lint")
            if self.process.running:
                self.result.client, self.result.port = client, port
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
