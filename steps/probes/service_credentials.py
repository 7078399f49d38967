"""One application service's data adapter, read from its own environment and tried for real.

The URLs a service reaches Redis and PostgreSQL with are the ecosystem's variables: REDIS_URL,
POSTGRES_URL or DATABASE_URL, and adapter-prefixed ones (TRADING_ADAPTER_REDIS_URL, ...). Each check
logs in with exactly those credentials; nothing is assumed about the names of users, roles or schemas.
"""
from __future__ import annotations

from urllib.parse import SplitResult, unquote, urlsplit

import psycopg
import redis

from steps.probes.application_services import NotApplicable
from steps.probes.dependencies import require_schema
from trading_harness.targets.stack import Stack

TIMEOUT = 5
SCHEMA_VARIABLES = ("POSTGRES_SCHEMA", "DB_SCHEMA", "DATABASE_SCHEMA")
NAMESPACE_VARIABLES = ("CACHE_NAMESPACE", "SERVICE_DISCOVERY_NAMESPACE", "REDIS_NAMESPACE")


def urls(stack: Stack, service: str, kind: str) -> dict[str, SplitResult]:
    """variable -> parsed URL, for the service's Redis (kind "redis") or PostgreSQL URLs."""
    suffixes = ("REDIS_URL",) if kind == "redis" else ("POSTGRES_URL", "DATABASE_URL")
    env = stack.definition.services[service].environment
    return {key: urlsplit(value) for key, value in env.items()
            if any(key == s or key.endswith("_" + s) for s in suffixes) and "://" in value}


def _redis_client(stack: Stack, user: str, password: str | None) -> redis.Redis:
    if password is None:
        password = stack.definition.redis_password(user)
    return redis.Redis.from_url(stack.redis_url(user, password), socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)


def _postgres(stack: Stack, role: str, password: str | None) -> psycopg.Connection:
    return psycopg.connect(stack.postgres_dsn(role, password), connect_timeout=TIMEOUT, autocommit=True)


def _password(url: SplitResult) -> str | None:
    return unquote(url.password) if url.password else None


def own_credentials(stack: Stack, service: str) -> None:
    """Each URL logs in, PostgreSQL as a role that is not a superuser, Redis as neither default nor admin."""
    pg, rd = urls(stack, service, "postgres"), urls(stack, service, "redis")
    if not pg and not rd:
        raise NotApplicable("it declares no Redis or PostgreSQL URL")
    superuser, admin = stack.definition.postgres.superuser, stack.definition.profile.users.get("admin")
    for variable, url in pg.items():
        role = unquote(url.username or "")
        assert role and role != superuser, f"{variable} logs in to PostgreSQL as the superuser {role or '(none)'}"
        try:
            with _postgres(stack, role, _password(url)) as conn:
                superuser_role = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        except psycopg.OperationalError as exc:
            raise AssertionError(f"{variable}: cannot log in to PostgreSQL as {role}: {str(exc).strip()}") from None
        assert not superuser_role, f"{variable}: PostgreSQL role {role} is a superuser"
    for variable, url in rd.items():
        user = unquote(url.username or "") or "default"
        assert user not in ("default", admin), f"{variable} logs in to Redis as the {user} user, not an adapter's"
        client = _redis_client(stack, user, _password(url))
        try:
            assert client.ping(), f"{variable}: Redis user {user} cannot PING"
        except redis.AuthenticationError as exc:
            raise AssertionError(f"{variable}: cannot log in to Redis as {user}: {exc}") from None
        finally:
            client.close()


def namespace_of(stack: Stack, service: str) -> str:
    env = stack.definition.services[service].environment
    for variable in NAMESPACE_VARIABLES:
        if env.get(variable):
            return env[variable]
    domain = stack.definition.profile.domain_of_service(service)
    if domain and domain.namespace:
        return domain.namespace
    raise NotApplicable(f"it declares no namespace ({'/'.join(NAMESPACE_VARIABLES)}) and the profile gives it none")


def keeps_to_namespace(stack: Stack, service: str, unique: str) -> None:
    """Its Redis user may write `<namespace>:...` and is refused a key outside every namespace."""
    rd = urls(stack, service, "redis")
    if not rd:
        raise NotApplicable("it declares no Redis URL")
    namespace = namespace_of(stack, service)
    for variable, url in rd.items():
        user = unquote(url.username or "") or "default"
        client = _redis_client(stack, user, _password(url))
        try:
            own, outside = f"{namespace}:harness-probe:{unique}", f"harness-outside-every-namespace:{unique}"
            try:
                client.set(own, "1", ex=30)
                client.delete(own)
            except redis.exceptions.NoPermissionError:
                raise AssertionError(f"{variable}: Redis user {user} may not write its own namespace ({own})") from None
            try:
                client.set(outside, "1", ex=30)
            except redis.exceptions.NoPermissionError:
                continue
            client.delete(outside)
            raise AssertionError(f"{variable}: Redis user {user} may write {outside}, outside its namespace {namespace}")
        finally:
            client.close()


OWN_SCHEMAS = ("SELECT nspname::text FROM pg_namespace WHERE has_schema_privilege(current_user, nspname, 'CREATE') "
               "AND nspname NOT LIKE 'pg\\_%%' AND nspname NOT IN ('information_schema', 'public')")


def declared_schema(stack: Stack, service: str) -> str | None:
    env = stack.definition.services[service].environment
    return next((env[v] for v in SCHEMA_VARIABLES if env.get(v)), None)


def reaches_schema(stack: Stack, service: str) -> None:
    """Its PostgreSQL role may use its own schema (the one it declares, else the ones it may create in, else
    the profile's for its domain) and read every table in it."""
    pg = urls(stack, service, "postgres")
    if not pg:
        raise NotApplicable("it declares no PostgreSQL URL")
    declared = declared_schema(stack, service)
    if declared:
        require_schema(stack, declared)
    for variable, url in pg.items():
        role = unquote(url.username or "")
        try:
            with _postgres(stack, role, _password(url)) as conn:
                schemas = [declared] if declared else [row[0] for row in conn.execute(OWN_SCHEMAS).fetchall()]
                if not schemas:
                    domain = stack.definition.profile.domain_of_service(service)
                    if not (domain and domain.schema):
                        raise AssertionError(f"{variable}: role {role} may create in no schema, and the stack "
                                             f"declares none for it ({'/'.join(SCHEMA_VARIABLES)})")
                    schemas = [require_schema(stack, domain.schema)]
                for schema in schemas:
                    usage = conn.execute("SELECT has_schema_privilege(current_user, %s, 'USAGE')", (schema,)).fetchone()[0]
                    assert usage, f"{variable}: role {role} may not use its schema {schema}"
                    unreadable = [row[0] for row in conn.execute(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                        "n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT has_table_privilege(c.oid, 'SELECT')",
                        (schema,)).fetchall()]
                    assert not unreadable, f"{variable}: role {role} cannot read {schema} tables {unreadable}"
        except psycopg.OperationalError as exc:
            raise AssertionError(f"{variable}: cannot log in to PostgreSQL as {role}: {str(exc).strip()}") from None
