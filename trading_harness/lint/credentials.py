"""Check (c): every credential a compose service uses names a user that exists with that
password, and that user may do what the service needs: its Redis namespace, the discovery keys
it writes (<ns>:service:<instance>:info|heartbeat, as simulators/common/discovery.py names them),
the registry's keys for the registry service, its PostgreSQL schema.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from trading_harness.lint import sql_text
from trading_harness.lint.credentials_found import POSTGRES, REDIS, Credential, healthcheck_commands, of_service
from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.init_sql import PostgresSide
from trading_harness.lint.layout import StackLayout
from trading_harness.lint.redis_config import RedisSide
from trading_harness.servers.ports import LOOPBACK

CHECK = "credentials"
REGISTRY_KEYS = "registry:services:"  # simulators/registry/store.py; config:<service>:<environment> beside it


@dataclass(frozen=True)
class Need:
    what: str
    commands: list[list[str]]


def check(layout: StackLayout, redis_sides: list[RedisSide], pg_sides: list[PostgresSide]) -> list[Finding]:
    findings = []
    registries = _registry_services(layout)
    infra = {side.service.name for side in [*redis_sides, *pg_sides]}
    for service in layout.services.values():
        for cred in of_service(service):
            if service.name in infra and cred.variable != "healthcheck":
                continue  # the server's own settings (POSTGRES_USER is the superuser it creates)
            system = cred.system or _guess_system(cred, redis_sides, pg_sides)
            if system == REDIS and redis_sides:
                side = _target(cred, redis_sides, service.name)
                findings.extend(_redis(cred, side, _redis_needs(cred, service.name in registries)))
            elif system == POSTGRES and pg_sides:
                findings.extend(_postgres(cred, _target(cred, pg_sides, service.name)))
    return findings


def _loc(cred: Credential) -> str:
    return f"{where(cred.service.compose.path, cred.line)} (service {cred.service.name}, {cred.variable})"


def _target(cred: Credential, sides: list, own: str):
    by_name = {side.service.name: side for side in sides}
    return by_name.get(cred.host) or by_name.get(own) or sides[0]


def _guess_system(cred: Credential, redis_sides: list[RedisSide], pg_sides: list[PostgresSide]) -> str | None:
    if any(cred.user in side.users for side in redis_sides):
        return REDIS
    if any(cred.user in _roles(side) for side in pg_sides):
        return POSTGRES
    return None


def _registry_services(layout: StackLayout) -> set[str]:
    """Services other services reach as REGISTRY_URL: they write the registry's keys."""
    hosts = set()
    for service in layout.services.values():
        url = service.environment.get("REGISTRY_URL")
        if url:
            hosts.add(urlsplit(url).hostname)
    return hosts & set(layout.services)


# -- Redis ------------------------------------------------------------------------------
def _redis_needs(cred: Credential, is_registry: bool) -> list[Need]:
    if cred.variable == "healthcheck":
        return [Need("run its healthcheck", [[c] for c in healthcheck_commands(cred.service) or ["PING"]])]
    env, needs = cred.service.environment, [Need("PING", [["PING"]])]
    cache = env.get("CACHE_NAMESPACE")
    if cache:
        key = f"{cache}:harness-lint"
        needs.append(Need(f"use its namespace {cache}:* (CACHE_NAMESPACE)",
                          [["SET", key, "1"], ["GET", key], ["DEL", key]]))
    discovery = env.get("SERVICE_DISCOVERY_NAMESPACE") or cache
    if discovery:
        instance = env.get("SERVICE_INSTANCE_NAME") or env.get("SERVICE_NAME") or cred.service.name
        info, beat = f"{discovery}:service:{instance}:info", f"{discovery}:service:{instance}:heartbeat"
        needs.append(Need(f"write its discovery keys {info} and {beat} (SERVICE_DISCOVERY_NAMESPACE)",
                          [["HSET", info, "status", "healthy"], ["PEXPIRE", info, "1000"],
                           ["SET", beat, "1", "PX", "1000"], ["DEL", info, beat]]))
    if is_registry:
        entry, config = f"{REGISTRY_KEYS}lint:lint", "config:lint:development"
        needs.append(Need(f"write the registry's keys {REGISTRY_KEYS}* and config:* (other services' REGISTRY_URL)",
                          [["SET", entry, "{}", "PX", "1000"], ["GET", entry], ["DEL", entry],
                           ["HSET", config, "k", "v"], ["HGETALL", config], ["DEL", config]]))
    return needs


def _redis(cred: Credential, side: RedisSide, needs: list[Need]) -> list[Finding]:
    acl = where(side.acl) if side.acl else "the ACL file"
    if cred.user in side.refused_users:
        return []  # its ACL line is already reported
    user = side.users.get(cred.user)
    if user is None:
        known = ", ".join(sorted(side.users)) or "none"
        return [Finding(CHECK, ERROR, _loc(cred), f"Redis user '{cred.user}' does not exist in {acl} (users: {known})",
                        f"declare user {cred.user} (on, its password, its key patterns and commands) in {acl}, "
                        "or use one of its users")]
    if [r for r in user.rules if r in ("on", "off")][-1:] != ["on"]:
        return [Finding(CHECK, ERROR, _loc(cred), f"Redis user '{cred.user}' is off at {side.user_at(cred.user)}",
                        f"switch {cred.user} on in {acl}")]
    run = side.run
    if run is None or run.client is None:
        if cred.password is not None and user.passwords and cred.password not in user.passwords:
            return [_wrong_redis_password(cred, side)]
        return []
    if cred.password is not None and not _authenticates(run.port, cred.user, cred.password):
        return [_wrong_redis_password(cred, side)]
    findings = []
    for need in needs:
        denied = [reply for command in need.commands
                  if (reply := _dryrun(run.client, cred.user, command)) != "OK"]
        if denied:
            findings.append(Finding(CHECK, ERROR, _loc(cred),
                                    f"Redis user '{cred.user}' ({side.user_at(cred.user)}) may not {need.what}: {denied[0]}",
                                    f"grant it in {acl} (key pattern ~pattern, command categories), "
                                    "or point the service at a user that has it"))
    return findings


def _wrong_redis_password(cred: Credential, side: RedisSide) -> Finding:
    return Finding(CHECK, ERROR, _loc(cred),
                   f"the password for Redis user '{cred.user}' differs from its ACL line {side.user_at(cred.user)}",
                   "use the same password in both places")


def _authenticates(port: int, user: str, password: str) -> bool:
    client = redis.Redis(host=LOOPBACK, port=port, username=user, password=password, socket_timeout=3,
                         socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    try:
        client.connection_pool.get_connection().disconnect()  # connecting authenticates
        return True
    except redis.AuthenticationError:
        return False
    except redis.ResponseError as exc:
        return "WRONGPASS" not in str(exc)
    finally:
        client.close()


def _dryrun(client: redis.Redis, user: str, command: list[str]) -> str:
    try:
        return str(client.execute_command("ACL", "DRYRUN", user, *command))
    except redis.ResponseError as exc:
        return str(exc)


# -- PostgreSQL ----------------------------------------------------------------------
def _roles(side: PostgresSide) -> dict[str, sql_text.PasswordSetting | None]:
    """Every role the init SQL creates, with the last password it sets (None without one)."""
    roles: dict[str, sql_text.PasswordSetting | None] = {}
    for stmt in side.statements():
        for made in sql_text.creations(stmt):
            if made.kind == "role":
                roles.setdefault(made.name, None)
        for setting in sql_text.passwords(stmt):
            roles[setting.role] = setting
    return roles


def _postgres(cred: Credential, side: PostgresSide) -> list[Finding]:
    compose = side.service.compose.path
    role, findings = cred.user.lower(), []
    if cred.database and cred.database != side.database and cred.database not in _databases(side):
        findings.append(Finding(CHECK, ERROR, _loc(cred),
                                f"database '{cred.database}' is neither POSTGRES_DB ({side.database}, "
                                f"{where(compose, side.service.env_line('POSTGRES_DB'))}) nor created by the init SQL",
                                f"use database {side.database}"))
    if role == side.superuser.lower():
        if cred.password is not None and cred.password != side.password:
            findings.append(Finding(CHECK, ERROR, _loc(cred),
                                    f"the password for superuser '{cred.user}' differs from POSTGRES_PASSWORD at "
                                    f"{where(compose, side.service.env_line('POSTGRES_PASSWORD'))}",
                                    "use the same password in both places"))
        return findings
    roles = _roles(side)
    if role not in roles:
        known = ", ".join(sorted(roles)) or "none"
        return [*findings, Finding(CHECK, ERROR, _loc(cred),
                                   f"PostgreSQL role '{cred.user}' is not created by the init SQL (roles: {known})",
                                   "create the role (LOGIN PASSWORD ...) in an init script, or use an existing one")]
    setting = roles[role]
    if setting is None:
        findings.append(Finding(CHECK, ERROR, _loc(cred), f"PostgreSQL role '{cred.user}' has no password in the init SQL",
                                "give it LOGIN PASSWORD '...' so the service can log in over TCP"))
    elif cred.password is not None and cred.password != setting.password:
        findings.append(Finding(CHECK, ERROR, _loc(cred),
                                f"the password for PostgreSQL role '{cred.user}' differs from the init SQL at "
                                f"{where(setting.file, setting.line)}", "use the same password in both places"))
    elif side.completed and side.cluster:
        findings.extend(_privileges(cred, side, setting))
    return findings


def _databases(side: PostgresSide) -> set[str]:
    return {m.lower() for s in side.statements()
            for m in re.findall(r"\bCREATE\s+DATABASE\s+\"?(\w+)", s.text, re.IGNORECASE)}


def _privileges(cred: Credential, side: PostgresSide, setting: sql_text.PasswordSetting) -> list[Finding]:
    """Log in as the role on the initialised cluster; it must reach its schema and that schema's tables."""
    database = cred.database or side.database
    try:
        with side.cluster.connect(database, cred.user, cred.password or ""):
            pass
    except psycopg.OperationalError as exc:
        return [Finding(CHECK, ERROR, _loc(cred), f"role '{cred.user}' cannot log in to {database} after the init SQL: "
                        f"{str(exc).strip().splitlines()[-1].split('FATAL:')[-1].strip()} (role at {where(setting.file, setting.line)})",
                        "give it LOGIN and CONNECT on the database")]
    env = cred.service.environment
    schema = env.get("POSTGRES_SCHEMA") or env.get("DB_SCHEMA") or env.get("CACHE_NAMESPACE")
    if not schema:
        return []
    with side.cluster.connect(database) as conn:
        if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone():
            return []  # a schema named like the Redis namespace is a guess; no such schema, nothing to hold
        usage = conn.execute("SELECT has_schema_privilege(%s, %s, 'USAGE')", (cred.user, schema)).fetchone()[0]
        denied = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
            "AND NOT (SELECT bool_and(has_table_privilege(%s, c.oid, p)) FROM unnest(%s::text[]) AS p) ORDER BY 1",
            (schema, cred.user, ["SELECT", "INSERT", "UPDATE", "DELETE"])).fetchall()
    if not usage:
        return [Finding(CHECK, ERROR, _loc(cred), f"role '{cred.user}' has no USAGE on its schema {schema}",
                        f"GRANT USAGE ON SCHEMA {schema} TO {cred.user} in the init SQL")]
    if denied:
        tables = ", ".join(f"{schema}.{row[0]}" for row in denied[:5])
        return [Finding(CHECK, ERROR, _loc(cred), f"role '{cred.user}' may not read and write {tables}",
                        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {cred.user}")]
    return []
