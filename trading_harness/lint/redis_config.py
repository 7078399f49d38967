"""Check (b): redis.conf and the ACL file, loaded by a real redis-server.

A line Redis refuses is an error at its file:line. Directives this build lacks (active
defragmentation without Redis's own jemalloc, directives of newer releases) are commented out
with a note, not a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.lint.findings import ERROR, NOTE, Finding, where
from trading_harness.lint.layout import Service, StackLayout
from trading_harness.lint.redis_server import RedisRun, ThrowawayRedis
from trading_harness.stack_reader.bounded import is_readable_file, read_lines

CHECK = "redis-config"
# Directives of later Redis releases this build may not know (the stack targets its own image).
NEWER_DIRECTIVES = {"locale-collate", "hide-user-data-from-log", "max-new-connections-per-cycle",
                    "max-new-tls-connections-per-cycle", "cluster-slot-stats-enabled", "lazyfree-lazy-user-flush"}

# Paths inside the container: the throwaway server uses its own (OVERRIDDEN, dropped silently; no pid file or
# socket is written outside its temp dir). WITHHELD: never given to the server (other files, native code);
# the lint runs without them (a note here; lint/dangerous.py names the danger).
OVERRIDDEN = {"dir", "logfile", "aclfile", "unixsocket", "pidfile"}
WITHHELD = {"include", "loadmodule"}


@dataclass
class AclUser:
    name: str
    line: int
    rules: list[str]

    @property
    def passwords(self) -> list[str]:
        return [r[1:] for r in self.rules if r.startswith(">")]


@dataclass
class RedisSide:
    """One compose Redis service: its files, its ACL users by line, and the live server."""

    service: Service
    conf: Path | None
    acl: Path | None
    users: dict[str, AclUser] = field(default_factory=dict)
    refused_users: set[str] = field(default_factory=set)
    run: RedisRun | None = None

    @classmethod
    def of(cls, layout: StackLayout, service: Service) -> RedisSide:
        conf = layout.redis_conf(service)
        side = cls(service, conf, layout.acl_file(service, conf))
        if side.acl and is_readable_file(side.acl):
            for number, text in enumerate(read_lines(side.acl), 1):
                tokens = text.split()
                if len(tokens) >= 2 and tokens[0] == "user":
                    side.users.setdefault(tokens[1], AclUser(tokens[1], number, tokens[2:]))
        return side

    def user_at(self, name: str) -> str:
        user = self.users.get(name)
        return where(self.acl, user.line) if user and self.acl else where(self.acl or self.service.compose.path)


def adaptable(text: str, error: str) -> str | None:
    """A note when the refused directive is one this build lacks or a container path, else None (an error)."""
    directive = text.split()[0].lower() if text.split() else ""
    if "Active defragmentation cannot be enabled" in error:
        return f"'{text}': this redis-server has no defragmenting jemalloc; the lint ran without it"
    if directive in NEWER_DIRECTIVES and "Bad directive" in error:
        return f"'{text}': a directive of a later Redis release than this redis-server; the lint ran without it"
    return None


def server_for(side: RedisSide) -> ThrowawayRedis:
    return ThrowawayRedis(side.conf, side.acl, adaptable, OVERRIDDEN, WITHHELD)


def run(side: RedisSide, server: ThrowawayRedis, result: RedisRun) -> list[Finding]:
    side.run = result
    findings = []
    compose = side.service.compose.path
    if side.conf is None:
        findings.append(Finding(CHECK, NOTE, where(compose, side.service.line("command")),
                                f"service {side.service.name} starts Redis without a config file", ""))
    if side.acl is None or not side.acl.is_file():
        findings.append(Finding(CHECK, ERROR, where(side.conf or compose), f"service {side.service.name}: no ACL file "
                                "(aclfile in redis.conf, mounted by a compose volume)",
                                "set aclfile in redis.conf and mount the ACL file at that path"))
    for line, text in server.withheld:
        findings.append(Finding(CHECK, NOTE, where(side.conf, line), f"'{_short(text)}': the lint never reads included "
                                "files or loads modules; it ran without this line", "nothing to fix for the lint"))
    for line, note in server.notes:
        findings.append(Finding(CHECK, NOTE, where(side.conf, line), note, "nothing to fix in the stack"))
    for refusal in result.refusals:
        path = side.conf if refusal.source == "conf" else side.acl
        if refusal.source == "acl" and len(refusal.text.split()) >= 2:
            side.refused_users.add(refusal.text.split()[1])
        what = "redis.conf directive" if refusal.source == "conf" else "ACL rule"
        findings.append(Finding(CHECK, ERROR, where(path, refusal.line),
                                f"redis-server refuses this {what}: {refusal.error} (`{_short(refusal.text)}`)",
                                "correct the line (see the Redis ACL / redis.conf documentation for the syntax)"))
    if result.failure:
        findings.append(Finding(CHECK, ERROR, where(side.conf or compose), f"redis-server did not start: {result.failure}",
                                "fix the configuration until redis-server starts with it"))
    return findings


def _short(text: str) -> str:
    tokens = [">***" if t.startswith(">") else t for t in text.split()]
    return " ".join(tokens)[:100]
