"""The credentials compose services use: URLs, *_USER/*_PASSWORD pairs, healthcheck logins."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from trading_harness.lint.layout import Service

REDIS, POSTGRES = "redis", "postgres"
_SCHEMES = {"redis": REDIS, "rediss": REDIS, "postgres": POSTGRES, "postgresql": POSTGRES}
_PAIR_USER = re.compile(r"^(?P<prefix>[A-Z0-9_]*?)_?(?:USER|USERNAME)$")
_PREFIX_SYSTEM = {"REDIS": REDIS, "POSTGRES": POSTGRES, "PG": POSTGRES, "DB": POSTGRES, "DATABASE": POSTGRES}
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


def from_url(service: Service, variable: str, url: str) -> Credential | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    system = _SCHEMES.get(parts.scheme)
    if not system or (parts.username is None and parts.password is None):
        return None
    user = unquote(parts.username or "") or ("default" if system == REDIS else "")
    database = parts.path.lstrip("/") or None if system == POSTGRES else None
    return Credential(service, variable, system, user, unquote(parts.password) if parts.password is not None else None,
                      parts.hostname, database, parts.query)


def of_service(service: Service) -> list[Credential]:
    """Every credential in the service's environment and healthcheck."""
    env, found = service.environment, []
    for variable, value in env.items():
        found.extend(c for c in [from_url(service, variable, value)] if c)
        pair = _PAIR_USER.match(variable)
        if pair and value:
            prefix = pair["prefix"]
            password_var = next((f"{prefix}_{s}" if prefix else s for s in ("PASSWORD", "PASS")
                                 if (f"{prefix}_{s}" if prefix else s) in env), None)
            if password_var:
                found.append(Credential(service, f"{variable}/{password_var}", _PREFIX_SYSTEM.get(prefix.split("_")[0]),
                                        value, env[password_var]))
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
