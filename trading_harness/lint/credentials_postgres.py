"""Check (c), PostgreSQL side: the role exists in the init SQL with the compose password (or is the
superuser with POSTGRES_PASSWORD), logs in after the init, and reaches its schema and its tables.
"""
from __future__ import annotations

import re

import psycopg

from trading_harness.lint.credentials_found import Credential
from trading_harness.lint.credentials_redis import CHECK, location
from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.init_sql import PostgresSide
from trading_harness.stack_reader import sql_text


def roles(side: PostgresSide) -> dict[str, sql_text.PasswordSetting | None]:
    """Every role the init SQL creates, with the last password it sets (None without one)."""
    roles: dict[str, sql_text.PasswordSetting | None] = {}
    for stmt in side.statements():
        for made in sql_text.creations(stmt):
            if made.kind == "role":
                roles.setdefault(made.name, None)
        for setting in sql_text.passwords(stmt):
            roles[setting.role] = setting
    return roles


def check(cred: Credential, side: PostgresSide) -> list[Finding]:
    compose = side.service.compose.path
    role, findings = cred.user.lower(), []
    if cred.database and cred.database != side.database and cred.database not in _databases(side):
        findings.append(Finding(CHECK, ERROR, location(cred),
                                f"database '{cred.database}' is neither POSTGRES_DB ({side.database}, "
                                f"{where(compose, side.service.env_line('POSTGRES_DB'))}) nor created by the init SQL",
                                f"use database {side.database}"))
    if role == side.superuser.lower():
        if cred.password is not None and cred.password != side.password:
            findings.append(Finding(CHECK, ERROR, location(cred),
                                    f"the password for superuser '{cred.user}' differs from POSTGRES_PASSWORD at "
                                    f"{where(compose, side.service.env_line('POSTGRES_PASSWORD'))}",
                                    "use the same password in both places"))
        return findings
    created = roles(side)
    if role not in created:
        known = ", ".join(sorted(created)) or "none"
        return [*findings, Finding(CHECK, ERROR, location(cred),
                                   f"PostgreSQL role '{cred.user}' is not created by the init SQL (roles: {known})",
                                   "create the role (LOGIN PASSWORD ...) in an init script, or use an existing one")]
    setting = created[role]
    if setting is None:
        findings.append(Finding(CHECK, ERROR, location(cred), f"PostgreSQL role '{cred.user}' has no password in the init SQL",
                                "give it LOGIN PASSWORD '...' so the service can log in over TCP"))
    elif cred.password is not None and cred.password != setting.password:
        findings.append(Finding(CHECK, ERROR, location(cred),
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
        return [Finding(CHECK, ERROR, location(cred), f"role '{cred.user}' cannot log in to {database} after the init SQL: "
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
        return [Finding(CHECK, ERROR, location(cred), f"role '{cred.user}' has no USAGE on its schema {schema}",
                        f"GRANT USAGE ON SCHEMA {schema} TO {cred.user} in the init SQL")]
    if denied:
        tables = ", ".join(f"{schema}.{row[0]}" for row in denied[:5])
        return [Finding(CHECK, ERROR, location(cred), f"role '{cred.user}' may not read and write {tables}",
                        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {cred.user}")]
    return []
