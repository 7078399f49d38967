"""The stack profile: which users, roles, namespaces, schemas and services play each part.

Features speak in domains ("the exchange adapter") and roles ("the monitor user"); the profile
says what each one is called in the stack under test. It comes from, in order of precedence:
`--profile FILE`, a `profile.toml` in the stack folder, and names inferred from the folder's
ACL, init SQL and compose environment (see trading_harness/profile_inference.py).

    [database]   superuser, name
    [services]   redis, postgres, registry          (compose service names)
    [users]      healthcheck, registry, monitor, admin   (Redis ACL users)
    [roles]      monitor                              (PostgreSQL read-only role)
    [domains.<name>]  redis_user, namespace, role, schema, services = [...], instances = [...]
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.errors import StackConfigError

SEED_DOMAINS = ("market_data", "exchange", "custodian", "risk", "trading", "test_coordination", "audit")
OPERATIONAL_USERS = ("healthcheck", "registry", "monitor", "admin")
INFRASTRUCTURE = ("redis", "postgres", "registry")
DOMAIN_KEYS = ("redis_user", "namespace", "role", "schema", "services", "instances")


@dataclass
class Domain:
    """What one domain is called in the stack: its adapter's Redis user and PostgreSQL role, and so on."""

    name: str
    redis_user: str | None = None
    namespace: str | None = None
    role: str | None = None
    schema: str | None = None
    services: list[str] = field(default_factory=list)
    instances: list[str] = field(default_factory=list)


@dataclass
class StackProfile:
    """Names of the stack under test, each with the place it came from (for the living docs)."""

    domains: dict[str, Domain] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    superuser: str = "postgres"
    database: str = "postgres"
    origin: str = "inferred"
    source: Path | None = None
    # service -> how the embedded target runs it when not as itself (a reference simulator, or left out)
    embedded: dict[str, str] = field(default_factory=dict)

    # -- lookups that fail with the key to set ------------------------------
    def domain(self, name: str) -> Domain:
        if name not in self.domains:
            raise StackConfigError(f"the stack profile has no domain '{name}' "
                                   f"(known: {', '.join(self.domains) or 'none'}): {self._hint(f'[domains.{name}]')}")
        return self.domains[name]

    def domain_name(self, domain: str, key: str) -> str:
        """One name of a domain (redis_user, namespace, role, schema), or a one-line error naming the key."""
        value = getattr(self.domain(domain), key)
        if not value:
            raise StackConfigError(f"the stack profile has no {key} for domain '{domain}': "
                                   f"{self._hint(f'[domains.{domain}] {key}')}")
        return value

    def user(self, part: str) -> str:
        """The Redis user of an operational part: healthcheck, registry, monitor or admin."""
        if not self.users.get(part):
            raise StackConfigError(f"the stack profile has no Redis {part} user: {self._hint(f'[users] {part}')}")
        return self.users[part]

    def role(self, part: str) -> str:
        if not self.roles.get(part):
            raise StackConfigError(f"the stack profile has no PostgreSQL {part} role: {self._hint(f'[roles] {part}')}")
        return self.roles[part]

    def service(self, part: str) -> str:
        """The compose service of an infrastructure part (redis, postgres, registry); other names pass through."""
        return self.services.get(part, part)

    def domain_of_service(self, service: str) -> Domain | None:
        return next((d for d in self.domains.values() if service in d.services or service in d.instances), None)

    def _hint(self, key: str) -> str:
        where = self.source or "profile.toml in the stack folder"
        return f"set {key} in {where} (or pass --profile FILE)"

    def as_rows(self) -> list[dict[str, str]]:
        """One row per resolved name, for the living docs and `harness profile`."""
        rows = [{"part": f"{part} service", "name": name} for part, name in self.services.items()]
        rows += [{"part": "PostgreSQL superuser", "name": self.superuser},
                 {"part": "database", "name": self.database}]
        rows += [{"part": f"Redis {part} user", "name": name} for part, name in self.users.items()]
        rows += [{"part": f"PostgreSQL {part} role", "name": name} for part, name in self.roles.items()]
        for d in self.domains.values():
            for key in DOMAIN_KEYS:
                value = getattr(d, key)
                if value:
                    rows.append({"part": f"{d.name} {key}", "name": ", ".join(value) if isinstance(value, list) else value})
        rows += [{"part": f"{service} on the embedded target", "name": how} for service, how in self.embedded.items()]
        return rows

    # -- overriding -----------------------------------------------------------
    def override(self, doc: dict, path: Path) -> None:
        """Apply a profile file's tables over these names; an unknown key is one line naming it."""
        known = {"database", "services", "users", "roles", "domains"}
        for key in doc:
            if key not in known:
                raise StackConfigError(f"{path}: unknown table [{key}] (known: {', '.join(sorted(known))})")
        database = _table(doc, "database", path)
        self.superuser = str(database.get("superuser", self.superuser))
        self.database = str(database.get("name", self.database))
        for table, target, allowed in (("services", self.services, INFRASTRUCTURE),
                                       ("users", self.users, OPERATIONAL_USERS), ("roles", self.roles, ("monitor",))):
            for key, value in _table(doc, table, path).items():
                if key not in allowed:
                    raise StackConfigError(f"{path}: [{table}] {key} is unknown (known: {', '.join(allowed)})")
                target[key] = str(value)
        for name, values in _table(doc, "domains", path).items():
            if not isinstance(values, dict):
                raise StackConfigError(f"{path}: [domains.{name}] must be a table")
            domain = self.domains.setdefault(name, Domain(name))
            for key, value in values.items():
                if key not in DOMAIN_KEYS:
                    raise StackConfigError(f"{path}: [domains.{name}] {key} is unknown (known: {', '.join(DOMAIN_KEYS)})")
                setattr(domain, key, [str(v) for v in value] if key in ("services", "instances") else str(value))
        self.source = path


def _table(doc: dict, key: str, path: Path) -> dict:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise StackConfigError(f"{path}: [{key}] must be a table")
    return value


def read_profile_file(path: Path) -> dict:
    try:
        return tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise StackConfigError(f"profile file {path} does not exist (fix --profile)") from None
    except tomllib.TOMLDecodeError as exc:
        raise StackConfigError(f"profile file {path} is not valid TOML: {exc}") from None
