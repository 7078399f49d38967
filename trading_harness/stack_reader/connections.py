"""The variables a service uses to reach Redis or PostgreSQL, and nothing else.

A connection is a URL in REDIS_URL, POSTGRES_URL, DATABASE_URL or a prefixed adapter variable
(TRADING_ADAPTER_REDIS_URL), a redis:// or postgres:// URL in any variable, or a user/password
pair whose prefix names the system (REDIS_USERNAME/REDIS_PASSWORD, DB_USER/DB_PASSWORD, PGUSER/
PGPASSWORD). Other pairs (Grafana's GF_SECURITY_ADMIN_USER/PASSWORD) are no Redis or PostgreSQL users.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

REDIS, POSTGRES = "redis", "postgres"
SCHEMES = {"redis": REDIS, "rediss": REDIS, "postgres": POSTGRES, "postgresql": POSTGRES}
_SYSTEMS = {"REDIS": REDIS, "POSTGRES": POSTGRES, "POSTGRESQL": POSTGRES, "DATABASE": POSTGRES, "DB": POSTGRES,
            "PG": POSTGRES}
URL_VARIABLE = re.compile(r"^(?:[A-Z0-9_]+_)?(?P<system>REDIS|POSTGRES|POSTGRESQL|DATABASE|DB|PG)_(?:URL|URI|DSN)$")
_PAIR_USER = re.compile(r"^(?P<prefix>(?:[A-Z0-9_]+_)?(?P<system>REDIS|POSTGRES|POSTGRESQL|DATABASE|DB|PG))_?"
                        r"(?P<key>USER|USERNAME)$")
_SECRET = re.compile(r"(?:PASSWORD|PASSWD|_PASS|SECRET|TOKEN)$")


@dataclass(frozen=True)
class Connection:
    variable: str          # the variable, or USER/PASSWORD for a pair
    system: str            # redis or postgres
    user: str
    password: str | None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    options: str = ""


def from_url(variable: str, url: str, system: str | None = None) -> Connection | None:
    """The connection a redis:// or postgres:// URL with user-info names (None for any other value)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    found = SCHEMES.get(parts.scheme)
    if not found or (system and found != system) or (parts.username is None and parts.password is None):
        return None
    user = unquote(parts.username or "") or ("default" if found == REDIS else "")
    database = (parts.path.lstrip("/") or None) if found == POSTGRES else None
    password = unquote(parts.password) if parts.password is not None else None
    return Connection(variable, found, user, password, parts.hostname, port, database, parts.query)


def connections(env: dict[str, str]) -> list[Connection]:
    """Every Redis or PostgreSQL connection in one service's environment."""
    found = []
    for variable, value in env.items():
        named = URL_VARIABLE.match(variable)
        connection = from_url(variable, value, _SYSTEMS[named["system"]] if named else None)
        if connection:
            found.append(connection)
        pair = _PAIR_USER.match(variable)
        if pair and value:
            prefix = pair["prefix"]
            password = next((v for v in (f"{prefix}_PASSWORD", f"{prefix}PASSWORD", f"{prefix}_PASS") if v in env), None)
            if password:
                found.append(Connection(f"{variable}/{password}", _SYSTEMS[pair["system"]], value, env[password]))
    return found


def declares_connection(env: dict[str, str]) -> bool:
    """Whether a variable named for Redis or PostgreSQL holds its URL (the ecosystem's contract)."""
    return any(URL_VARIABLE.match(v) and from_url(v, value) for v, value in env.items())


def users(env: dict[str, str], system: str) -> list[str]:
    """The users of `system` the service connects as, in the order its environment names them."""
    return list(dict.fromkeys(c.user for c in connections(env) if c.system == system and c.user))


def secrets(env: dict[str, str]) -> list[str]:
    """Every password the environment holds: connections' and *_PASSWORD/_SECRET/_TOKEN values (to mask)."""
    found = [c.password for c in connections(env) if c.password]
    found += [value for variable, value in env.items() if _SECRET.search(variable) and value]
    return found
