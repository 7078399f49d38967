"""The credentials compose services use: their Redis and PostgreSQL connections (stack_reader.connections,
the same reader the run uses) and healthcheck logins. An exporter's or a tool's variables (Grafana's
GF_SECURITY_ADMIN_USER) are not credentials of the stack's users."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from trading_harness.lint.layout import Service
from trading_harness.stack_reader import connections as stack_connections
from trading_harness.stack_reader.kinds import APPLICATION, ONE_SHOT, REDIS, UNKNOWN

# Categories whose environment holds the stack's own users (a server's, an exporter's or a tool's does not).
CONNECTING = (APPLICATION, ONE_SHOT, UNKNOWN)
_URL_IN_TEXT = re.compile(r"\b(?:rediss?|postgres(?:ql)?)://[^\s\"']+")


@dataclass(frozen=True)
class Credential:
    service: Service
    variable: str       # the environment variable, or "healthcheck"
    system: str | None  # redis, postgres, or None when only the user name can tell
    user: str
    password: str | None
    host: str | None = None
    database: str | None = None
    options: str = ""

    @property
    def line(self) -> int | None:
        if self.variable == "healthcheck":
            return self.service.line("healthcheck", "test")
        return self.service.env_line(self.variable.split("/")[0])


def _credential(service: Service, connection: stack_connections.Connection) -> Credential:
    return Credential(service, connection.variable, connection.system, connection.user, connection.password,
                      connection.host, connection.database, connection.options)


def from_url(service: Service, variable: str, url: str) -> Credential | None:
    connection = stack_connections.from_url(variable, url)
    return _credential(service, connection) if connection else None


def of_service(service: Service) -> list[Credential]:
    """Every credential the service uses to reach Redis or PostgreSQL: its connections (an application
    service's or a step's) and its healthcheck's login."""
    found = []
    if service.kind in CONNECTING:
        found = [_credential(service, c) for c in stack_connections.connections(service.environment)]
    found.extend(_healthcheck(service))
    return found


def _healthcheck(service: Service) -> list[Credential]:
    test = (service.raw.get("healthcheck") or {}).get("test") or []
    text = test if isinstance(test, str) else " ".join(str(t) for t in test[1:] if t not in ("CMD", "CMD-SHELL"))
    found = [c for c in (from_url(service, "healthcheck", m.group()) for m in _URL_IN_TEXT.finditer(text)) if c]
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if "redis-cli" in words:
        user = _flag(words, "--user")
        password = _flag(words, "--pass") or _flag(words, "-a")
        if user or password:
            found.append(Credential(service, "healthcheck", REDIS, user or "default", password))
    return found


def _flag(words: list[str], flag: str) -> str | None:
    return words[words.index(flag) + 1] if flag in words[:-1] else None


def healthcheck_commands(service: Service) -> list[str]:
    """The Redis commands a redis-cli healthcheck sends (upper case), e.g. ["PING"]."""
    test = (service.raw.get("healthcheck") or {}).get("test") or []
    text = test if isinstance(test, str) else " ".join(str(t) for t in test)
    match = re.search(r"redis-cli\b(?P<args>[^|;&]*)", text)
    if not match:
        return []
    words, skip, commands = match["args"].split(), False, []
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in ("-h", "-p", "-a", "-u", "-n", "--user", "--pass", "--host", "--port")
        else:
            commands.append(word.upper())
            break
    return commands
