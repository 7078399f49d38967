"""Infer a stack profile from a stack folder: the ACL, the init SQL and the compose environment.

- a domain is a schema the init SQL creates (the seeds name them);
- its PostgreSQL role is the login role granted that schema and no other; a role granted several
  schemas is the monitor role;
- its Redis user is the user whose key pattern is one namespace, linked to the domain by a compose
  service that uses both (REDIS_URL and POSTGRES_URL/DATABASE_URL, or *_USER variables), else by
  the domain's name appearing in the user's name or namespace;
- the operational users by their rules: admin (~* +@all), monitor (~* read-only), healthcheck
  (no keys, +ping), registry (~registry:*).

A name with two candidates is recorded as ambiguous; the loader stops the run on it unless a
profile file sets that key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.profile import SEED_DOMAINS, Domain, StackProfile
from trading_harness.stack_reader.bounded import read_text
from trading_harness.stack_reader.connections import POSTGRES, REDIS, users

_CREATE_SCHEMA = re.compile(r"CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(?!IF\s+NOT\b)\"?(\w+)\"?(?:\s+AUTHORIZATION\s+\"?(\w+)\"?)?",
                            re.IGNORECASE)
_GRANT_SCHEMA = re.compile(r"GRANT\s+[\w\s,]+?\s+ON\s+SCHEMA\s+(?P<schemas>[\w\s,\"]+?)\s+TO\s+(?P<roles>[\w\s,\"]+?)\s*;",
                           re.IGNORECASE)
_GRANT_TABLES = re.compile(r"GRANT\s+(?P<privileges>[\w\s,]+?)\s+ON\s+ALL\s+TABLES\s+IN\s+SCHEMA\s+(?P<schemas>[\w\s,\"]+?)"
                           r"\s+TO\s+(?P<roles>[\w\s,\"]+?)\s*;", re.IGNORECASE)
_WRITE = re.compile(r"\b(ALL|INSERT|UPDATE|DELETE|CREATE)\b", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")
_NAMESPACE = re.compile(r"^(?P<ns>[^*?\[\]]+):\*$")
_REGISTRY_PATTERNS = ("registry:*", "config:*")
_PROBE_COMMANDS = ("+ping", "+info", "+echo", "+hello", "+auth")


@dataclass
class SqlFacts:
    schemas: list[str] = field(default_factory=list)
    grants: dict[str, set[str]] = field(default_factory=dict)  # role -> schemas it may use
    writes: dict[str, set[str]] = field(default_factory=dict)  # role -> schemas it may create in or write the tables of


def read_sql(scripts: list[Path]) -> SqlFacts:
    """Schemas created and schema grants per role, from static statements (dynamic SQL is not read)."""
    facts = SqlFacts()
    for script in scripts:
        text = _COMMENT.sub("", read_text(script))
        for m in _CREATE_SCHEMA.finditer(text):
            if m[1] not in facts.schemas:
                facts.schemas.append(m[1])
            if m[2]:
                facts.grants.setdefault(m[2], set()).add(m[1])
        for m in _GRANT_SCHEMA.finditer(text):
            schemas = _names(m["schemas"])
            for role in _names(m["roles"]):
                facts.grants.setdefault(role, set()).update(schemas)
                if _WRITE.search(m[0].split(" ON ", 1)[0]):
                    facts.writes.setdefault(role, set()).update(schemas)
        for m in _GRANT_TABLES.finditer(text):
            if _WRITE.search(m["privileges"]):
                for role in _names(m["roles"]):
                    facts.writes.setdefault(role, set()).update(_names(m["schemas"]))
    return facts


def _names(text: str) -> list[str]:
    return [n.strip().strip('"') for n in text.split(",") if n.strip()]


def _token_match(domain: str, name: str) -> bool:
    normal = re.sub(r"[^a-z0-9]+", "_", name.lower())
    return re.search(rf"(^|_){re.escape(domain)}(_|$)", normal) is not None


@dataclass
class Inference:
    profile: StackProfile
    ambiguous: dict[str, str] = field(default_factory=dict)  # profile key -> one-line reason


def infer(services: dict, redis_users: dict, scripts: list[Path], login_roles: set[str],
          superuser: str, database: str) -> Inference:
    """A profile from the folder's files, with the keys that stayed ambiguous."""
    result = Inference(StackProfile(superuser=superuser, database=database))
    profile = result.profile
    sql = read_sql(scripts)
    schemas = [s for s in sql.schemas if s != "public"] or list(SEED_DOMAINS)
    for schema in schemas:
        profile.domains[schema] = Domain(schema, schema=schema)
    _infer_infrastructure(result, services, redis_users)
    _infer_operational_users(result, redis_users)
    _infer_roles(result, sql, login_roles, superuser)
    namespaces = _adapter_namespaces(redis_users, profile.users.values())
    _link_through_services(result, services, namespaces, sql)
    _link_by_name(result, namespaces)
    _roles_by_name(result, login_roles - set(result.profile.roles.values()) - {superuser})
    _twins_share_their_cache(profile)
    return result


def _twins_share_their_cache(profile: StackProfile) -> None:
    """A twin schema's domain (audit_correlator beside audit) uses its family's Redis user and namespace."""
    family = _families(list(profile.domains))
    for name, domain in profile.domains.items():
        root = profile.domains.get(family.get(name, name))
        if root is not domain and root is not None and not domain.redis_user and root.redis_user:
            domain.redis_user, domain.namespace = root.redis_user, root.namespace


def _infer_infrastructure(result: Inference, services: dict, redis_users: dict) -> None:
    for part in ("redis", "postgres"):
        found = [n for n, s in services.items() if s.category == part]
        _assign(result, result.profile.services, part, found, f"services.{part}", f"compose services that run {part}")
    found = [n for n, s in services.items() if s.domain == "registry"]  # SERVICE_NAME service-registry, registry, ...
    if not found:
        found = [n for n, s in services.items() if s.category in ("application", "unknown")
                 and ("registry" in n or any(part.endswith("registry") for part in s.command))]
    _assign(result, result.profile.services, "registry", found, "services.registry", "registry services")


def _infer_operational_users(result: Inference, redis_users: dict) -> None:
    enabled = [u for u in redis_users.values() if u.enabled and u.name != "default"]
    rules = {u.name: set(u.rules) for u in enabled}
    every_key = [u for u in enabled if "*" in u.key_patterns]
    candidates = {
        "admin": [u.name for u in every_key if "+@all" in rules[u.name] or "allcommands" in rules[u.name]],
        "monitor": [u.name for u in every_key if "+@all" not in rules[u.name] and "allcommands" not in rules[u.name]
                    and "+@write" not in rules[u.name] and "+@read" in rules[u.name]],
        "healthcheck": [u.name for u in enabled if _probe_only(u.rules) and set(u.key_patterns) <= {"*"}],
        "registry": [u.name for u in enabled if "registry:*" in u.key_patterns],
    }
    for part, names in candidates.items():
        _assign(result, result.profile.users, part, names, f"users.{part}", f"candidate Redis {part} users")


def _probe_only(rules: list[str]) -> bool:
    """A user that may run PING (and INFO, ECHO) and nothing else: a health probe (with no keys, or `~*`)."""
    granted = [r for r in rules if r.startswith("+") or r in ("allcommands", "nocommands")]
    return "+ping" in granted and all(r in _PROBE_COMMANDS for r in granted)


def _families(schemas: list[str]) -> dict[str, str]:
    """schema -> the schema its family is named after: a twin `audit_correlator` beside `audit` is audit's."""
    family = {}
    for schema in schemas:
        roots = [s for s in schemas if s != schema and schema.startswith(s + "_")]
        family[schema] = min(roots, key=len) if roots else schema
    return family


def _infer_roles(result: Inference, sql: SqlFacts, login_roles: set[str], superuser: str) -> None:
    profile = result.profile
    roles = {r: s for r, s in sql.grants.items() if r != superuser and r.lower() != "public"
             and (not login_roles or r in login_roles)}
    family = _families(list(profile.domains))
    # A role granted the schemas of several domains is the monitor's; two schemas of one domain (audit and
    # audit_correlator) are that domain's.
    monitors = [r for r, s in roles.items() if len({family[x] for x in s if x in family}) > 1]
    _assign(result, profile.roles, "monitor", monitors, "roles.monitor", "roles granted several schemas")
    for name, domain in profile.domains.items():
        own = [r for r, s in roles.items() if s == {domain.schema}]
        if not own:
            own = [r for r, s in roles.items() if domain.schema in s and r not in monitors
                   and {family.get(x, x) for x in s} == {family.get(domain.schema, domain.schema)}]
        if len(own) > 1:  # a read-only role (the monitor's, say) is not the domain's adapter
            own = [r for r in own if domain.schema in sql.writes.get(r, set())] or own
        if len(own) == 1:
            domain.role = own[0]
        elif len(own) > 1:
            result.ambiguous[f"domains.{name}.role"] = (
                f"domain '{name}': several roles are granted schema {domain.schema} only ({', '.join(sorted(own))})")


def _adapter_namespaces(redis_users: dict, operational) -> dict[str, str]:
    """Redis user -> its one namespace, for users whose key patterns are exactly one `ns:*`."""
    taken = set(operational)
    found = {}
    for user in redis_users.values():
        if user.name in taken or not user.enabled or len(user.key_patterns) != 1:
            continue
        m = _NAMESPACE.match(user.key_patterns[0])
        if m and user.key_patterns[0] not in _REGISTRY_PATTERNS:
            found[user.name] = m["ns"]
    return found


def _credentials(spec) -> tuple[str | None, str | None]:
    """(Redis user, PostgreSQL role) an application service connects as (stack_reader.connections)."""
    if spec.category not in ("application", "one-shot"):
        return None, None  # the servers' own settings, an exporter's or a tool's: not an adapter's
    env = spec.environment
    redis_users, pg_roles = users(env, REDIS), users(env, POSTGRES)
    return (redis_users[0] if redis_users else None), (pg_roles[0] if pg_roles else None)


def _link_through_services(result: Inference, services: dict, namespaces: dict[str, str], sql: SqlFacts) -> None:
    profile = result.profile
    by_role: dict[str, list[Domain]] = {}
    for d in profile.domains.values():
        if d.role:
            by_role.setdefault(d.role, []).append(d)
    for name, spec in services.items():
        redis_user, pg_role = _credentials(spec)
        schema = spec.environment.get("POSTGRES_SCHEMA")
        named = [d for d in profile.domains.values() if _named_for(d.name, pg_role)]
        candidates = by_role.get(pg_role, []) + [d for d in named if d not in by_role.get(pg_role, [])]
        domain = profile.domains.get(schema) if schema else _domain_of_role(candidates, spec, pg_role)
        if domain is None and pg_role:  # a role the SQL grants dynamically: the service's namespace names it
            domain = profile.domains.get(spec.environment.get("CACHE_NAMESPACE", ""))
        if domain is None:
            continue
        if pg_role and not domain.role:
            domain.role = pg_role
        if redis_user in namespaces:
            if domain.redis_user and domain.redis_user != redis_user:
                result.ambiguous[f"domains.{domain.name}.redis_user"] = (
                    f"domain '{domain.name}': services use Redis users {domain.redis_user} and {redis_user}")
            domain.redis_user = redis_user
            domain.namespace = namespaces[redis_user]
        instance = spec.environment.get("SERVICE_INSTANCE_NAME")
        if instance and instance != spec.environment.get("SERVICE_NAME", name):
            domain.instances.append(name)
        else:
            domain.services.append(name)


def _named_for(domain: str, role: str | None) -> bool:
    """Whether the role is named for the domain: `<domain>_adapter`, or the domain's own name."""
    return role in (f"{domain}_adapter", domain)


def _domain_of_role(domains: list[Domain], spec, role: str | None) -> Domain | None:
    """The domain a service's role serves; a role that also serves a twin schema is told apart by
    the service's namespace or the role's own name."""
    if len(domains) <= 1:
        return domains[0] if domains else None
    namespace = spec.environment.get("CACHE_NAMESPACE")
    named = [d for d in domains if d.name == namespace] or [d for d in domains if _named_for(d.name, role)]
    if not named:  # one domain's twin schemas (audit, audit_correlator): the domain they are named after
        family = _families([d.schema or d.name for d in domains])
        named = [d for d in domains if family[d.schema or d.name] == (d.schema or d.name)]
    return named[0] if len(named) == 1 else None


def _link_by_name(result: Inference, namespaces: dict[str, str]) -> None:
    profile = result.profile
    taken = {d.redis_user for d in profile.domains.values() if d.redis_user}
    for name, domain in profile.domains.items():
        if domain.redis_user:
            continue
        found = [u for u, ns in namespaces.items() if u not in taken and (_token_match(name, u) or _token_match(name, ns))]
        exact = [u for u in found if namespaces[u] == name]
        found = exact or found
        if len(found) == 1:
            domain.redis_user, domain.namespace = found[0], namespaces[found[0]]
        elif len(found) > 1:
            result.ambiguous[f"domains.{name}.redis_user"] = (
                f"domain '{name}': several Redis users could be its adapter ({', '.join(sorted(found))})")


def _assign(result: Inference, target: dict, key: str, found: list[str], profile_key: str, what: str) -> None:
    if len(found) == 1:
        target[key] = found[0]
    elif len(found) > 1:
        result.ambiguous[profile_key] = f"{what}: {', '.join(sorted(found))}"


def _roles_by_name(result: Inference, login_roles: set[str]) -> None:
    """A domain still without a role: the one login role whose name holds the domain's name."""
    taken = {d.role for d in result.profile.domains.values() if d.role}
    for name, domain in result.profile.domains.items():
        if domain.role:
            continue
        found = sorted(r for r in login_roles - taken if _token_match(name, r))
        # A role named for the domain is its adapter even when it also serves a twin schema.
        exact = [r for r in sorted(login_roles) if _named_for(name, r)]
        found = exact or found
        if len(found) == 1:
            domain.role = found[0]
        elif len(found) > 1:
            result.ambiguous[f"domains.{name}.role"] = f"domain '{name}': several roles could be its adapter ({', '.join(found)})"
