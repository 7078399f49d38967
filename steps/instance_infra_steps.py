"""Sentences about multi-instance infrastructure (TSE-0001.12.0): per-instance volumes, audit schemas.

Every name comes from the stack under test: instances from the compose file's SERVICE_INSTANCE_NAME,
the image's user from its Dockerfile, login roles from the init SQL (StackDefinition.postgres.roles),
tables and columns from the catalog.
"""
from __future__ import annotations

import os
import re

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.compose_file import ComposeFile
from steps.probes.outcome import Outcome
from steps.probes.pg_rows import RowProbe
from steps.probes.postgres_probe import PostgresProbe
from steps.probes.service_probe import ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.definition import StackDefinition
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

COMPLETED = "service_completed_successfully"


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace(" and ", ",").split(",") if n.strip()]

OLD = "2000-01-01T00:00:00Z"


# -- the compose file ------------------------------------------------------------------------------
def _instances(compose: ComposeFile) -> dict[str, str]:
    """compose service -> SERVICE_INSTANCE_NAME, for every service that names an instance."""
    services = compose.doc.get("services") or {}
    return {name: str(env["SERVICE_INSTANCE_NAME"]) for name, spec in services.items()
            for env in [_env(spec)] if env.get("SERVICE_INSTANCE_NAME")}


def _env(spec: dict) -> dict:
    env = spec.get("environment") or {}
    return env if isinstance(env, dict) else dict(str(item).split("=", 1) for item in env if "=" in str(item))


def _mounts(spec: dict) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) of every short-syntax volume."""
    mounts = []
    for entry in spec.get("volumes") or []:
        parts = str(entry).split(":")
        if len(parts) >= 2:
            mounts.append((os.path.normpath(parts[0]), parts[1], len(parts) == 3 and "ro" in parts[2]))
    return mounts


def _init_services(compose: ComposeFile) -> dict[str, dict]:
    """The one-shot steps: no port, restart "no", a shell script as command."""
    return {name: spec for name, spec in (compose.doc.get("services") or {}).items()
            if str(spec.get("restart")) in ("no", "False") and not spec.get("ports")
            and list(spec.get("command") or [])[:1] == ["sh"]}


def _volume_init(compose: ComposeFile) -> tuple[str, dict]:
    found = {name: spec for name, spec in _init_services(compose).items() if "INSTANCES" in _env(spec)}
    assert len(found) == 1, f"expected one one-shot volume initialisation service (restart \"no\", " \
                            f"command [sh, script], INSTANCES), found {sorted(found) or 'none'}"
    return next(iter(found.items()))


@then("a one-shot service runs the volume initialisation script for every simulator instance")
def init_service(compose: ComposeFile):
    name, spec = _volume_init(compose)
    env, mounts = _env(spec), _mounts(spec)
    script = spec["command"][1]
    sources = [source for source, target, ro in mounts if target == script and ro]
    assert sources, f"{name}: its script {script} is not mounted read-only from the stack definition"
    assert (compose.path.parent / sources[0]).is_file(), f"{name}: {sources[0]} is not in {compose.path.parent}"
    volumes_dir = env.get("VOLUMES_DIR")
    assert any(target == volumes_dir and not ro and source == "volumes" for source, target, ro in mounts), \
        f"{name}: VOLUMES_DIR {volumes_dir!r} is not ./volumes mounted writable ({mounts})"
    listed = str(env["INSTANCES"]).split()
    missing = sorted(set(_instances(compose).values()) - set(listed))
    assert not missing, f"{name}: INSTANCES does not list {missing}"


@then("the volume initialisation gives the directories to the user the simulator image runs as")
def init_owner(compose: ComposeFile):
    name, spec = _volume_init(compose)
    builds = {str((s.get("build") or {}).get("dockerfile")) for n, s in (compose.doc.get("services") or {}).items()
              if n in _instances(compose) and isinstance(s.get("build"), dict)}
    assert len(builds) == 1, f"the simulator instances are built from {builds or 'no Dockerfile'}"
    context = (compose.path.parent / next(iter(
        s["build"].get("context", ".") for n, s in compose.doc["services"].items() if n in _instances(compose)))).resolve()
    dockerfile = (context / builds.pop()).read_text()
    users = re.findall(r"(?m)^USER\s+(\S+)", dockerfile)
    assert users, "the simulator image has no USER: it runs as root"
    uid = re.search(rf"useradd\b[^\n]*--uid\s+(\d+)[^\n]*\b{re.escape(users[-1])}\b", dockerfile)
    assert uid, f"the Dockerfile does not say which uid {users[-1]} has"
    env = _env(spec)
    assert str(env.get("VOLUME_UID")) == uid[1], f"{name}: VOLUME_UID {env.get('VOLUME_UID')!r}, image user uid {uid[1]}"


@then("every simulator instance mounts its own data and logs directories from ./volumes/<instance>")
def instance_mounts(compose: ComposeFile):
    problems, seen = [], {}
    for service, instance in _instances(compose).items():
        spec = compose.service(service)
        env, mounts = _env(spec), _mounts(spec)
        for variable, kind in (("DATA_DIR", "data"), ("LOG_DIR", "logs")):
            path = env.get(variable)
            wanted = os.path.normpath(f"volumes/{instance}/{kind}")
            sources = [source for source, target, ro in mounts if target == path and not ro]
            if not path:
                problems.append(f"{service}: no {variable}")
            elif sources != [wanted]:
                problems.append(f"{service}: {variable}={path} is mounted from {sources or 'nothing'}, expected ./{wanted}")
            elif wanted in seen:
                problems.append(f"{service} and {seen[wanted]} share ./{wanted}")
            else:
                seen[wanted] = service
    assert not problems, "\n".join(problems)


@then("every simulator instance starts only after the volume initialisation completed successfully")
def instances_wait_for_init(compose: ComposeFile):
    name, _ = _volume_init(compose)
    wrong = {}
    for service in _instances(compose):
        depends = compose.service(service).get("depends_on") or {}
        condition = (depends.get(name) or {}).get("condition") if isinstance(depends, dict) else None
        if condition != COMPLETED:
            wrong[service] = condition
    assert not wrong, f"depends_on {name} is not {COMPLETED}: {wrong}"


# -- what each instance sees -----------------------------------------------------------------------
@when(parsers.parse("a client asks the {service} which directories it uses"), target_fixture="instance_volumes")
def asks_volumes(service_probe: ServiceProbe, service: str) -> dict:
    reply = service_probe.get(service, "/api/v1/adapter")
    assert reply.status_code == 200, reply.text
    volumes = reply.json().get("volumes") or {}
    assert volumes.get("data") and volumes.get("logs"), f"{service} reports no data or logs directory: {volumes}"
    return volumes


@then(parsers.parse('its data and logs directories were made for "{instance}" by the volume initialisation step'))
def made_for(stack: Stack, instance_volumes: dict, instance: str):
    for kind, info in instance_volumes.items():
        assert info["exists"], f"its {kind} directory {info['path']} does not exist"
        assert info["initialised_for"] == instance, \
            f"its {kind} directory {info['path']} was initialised for {info['initialised_for']!r}, not {instance!r}"


@then(parsers.parse("both directories belong to the user the {service} runs as"))
def owned(instance_volumes: dict, service: str):
    for kind, info in instance_volumes.items():
        assert info["owner_uid"] == info["process_uid"], \
            f"{service}'s {kind} directory belongs to uid {info['owner_uid']}, the service runs as {info['process_uid']}"


@then(parsers.parse("the {service} has written its identity to its data directory and its log to its logs directory"))
def written(stack: Stack, instance_volumes: dict, service: str):
    instance = simulator(stack, service).instance
    assert "instance.json" in instance_volumes["data"]["files"], instance_volumes["data"]
    assert f"{instance}.log" in instance_volumes["logs"]["files"], instance_volumes["logs"]


# -- the audit schemas -----------------------------------------------------------------------------
_TWIN_SHAPE = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
                  FROM information_schema.columns WHERE table_schema = %s""",
    "constraints": """SELECT t.relname, c.conname, c.contype::text,
                             replace(pg_get_constraintdef(c.oid), %s || '.', '')
                      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                      WHERE c.connamespace = %s::regnamespace""",
    "indexes": """SELECT t.relname, regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', '')
                  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid WHERE t.relnamespace = %s::regnamespace""",
}


def _shape(pg: PostgresProbe, schema: str, tables: set[str]) -> dict[str, set]:
    shape = {}
    for what, query in _TWIN_SHAPE.items():
        params = (schema, schema) if what == "constraints" else (schema,)
        outcome = pg.run(query, params)
        assert outcome.ok, outcome
        shape[what] = {row for row in outcome.reply if row[0] in tables}
    return shape


@then(parsers.parse('every table of schema "{schema}" has a twin in schema "{twin}" with the same columns, '
                    'constraints and indexes'))
def twin_tables(pg_session: PostgresProbe, schema: str, twin: str):
    outcome = pg_session.run("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
    assert outcome.ok and outcome.reply, f"schema {schema} has no tables: {outcome}"
    tables = {row[0] for row in outcome.reply}
    original, copy = _shape(pg_session, schema, tables), _shape(pg_session, twin, tables)
    differences = []
    for what in _TWIN_SHAPE:
        differences += [f"{what} only in {schema}: {row}" for row in sorted(original[what] - copy[what])]
        differences += [f"{what} only in {twin}: {row}" for row in sorted(copy[what] - original[what])]
    assert not differences, "\n".join(differences)


def _tables(pg: PostgresProbe, schema: str) -> list[str]:
    outcome = pg.run("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))
    assert outcome.ok and outcome.reply, f"schema {schema} has no tables: {outcome}"
    return [row[0] for row in outcome.reply]


_STATEMENTS = {  # each needs the privilege and touches no row
    "select": "SELECT 1 FROM {t} WHERE false",
    "insert": "INSERT INTO {t} SELECT * FROM {t} WHERE false",
    "update": "UPDATE {t} SET {c} = {c} WHERE false",
    "delete": "DELETE FROM {t} WHERE false",
}


def _try(pg: PostgresProbe, schema: str, privileges: str) -> dict[str, Outcome]:
    results = {}
    for table in _tables(pg, schema):
        qualified = f"{schema}.{table}"
        first = pg.run("SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1",
                       (qualified,))
        for privilege in _names(privileges):
            results[f"{privilege} on {qualified}"] = pg.run(_STATEMENTS[privilege].format(t=qualified, c=first.reply[0][0]))
    return results


@then(parsers.parse('it may {privileges} on every table of schema "{schema}"'))
def may(pg_session: PostgresProbe, privileges: str, schema: str):
    refused = [f"{what}: {outcome}" for what, outcome in _try(pg_session, schema, privileges).items() if not outcome.ok]
    assert not refused, f"{pg_session.role} was refused:\n" + "\n".join(refused)


@then(parsers.parse('it may not {privileges} on any table of schema "{schema}"'))
def may_not(pg_session: PostgresProbe, privileges: str, schema: str):
    allowed = [what for what, outcome in _try(pg_session, schema, privileges.replace(" or ", ", ")).items()
               if outcome.ok or "permission denied" not in outcome.error]
    assert not allowed, f"{pg_session.role} was allowed: {allowed}"


@then(parsers.re(r'of the login roles the init SQL creates, only (?P<roles>.+?) (?:has|have) (?P<privilege>[A-Z]+) '
                 r'on schema "(?P<schema>[^"]+)"'))
def only_roles(stack_definition: StackDefinition, pg_session: PostgresProbe, roles: str, privilege: str, schema: str):
    logins = sorted(stack_definition.postgres.roles)
    assert logins, "the init SQL creates no login role"
    outcome = pg_session.run("SELECT r, has_schema_privilege(r, %s, %s) FROM unnest(%s::text[]) AS r",
                             (schema, privilege, logins))
    assert outcome.ok, outcome
    holders = sorted(role for role, allowed in outcome.reply if allowed)
    assert holders == sorted(_names(roles)), f"{privilege} on {schema}: {holders}, expected {_names(roles)}"


# -- updated_at triggers ---------------------------------------------------------------------------
@pytest.fixture
def role_transactions():
    opened: list[RowProbe] = []
    yield opened
    for probe in opened:
        probe.close()


@given(parsers.parse('a transaction as "{role}"'), target_fixture="row_probe")
def transaction_as(stack: Stack, evidence: Evidence, unique: str, role_transactions: list, role: str) -> RowProbe:
    probe = RowProbe(stack.postgres_dsn(role), role, evidence, unique)
    role_transactions.append(probe)
    return probe


@when(parsers.parse('it inserts a row with an old updated_at into every table of schema "{schema}" that has the '
                    'column, and updates the row'), target_fixture="updated_rows")
def insert_and_update(row_probe: RowProbe, schema: str) -> dict[str, tuple]:
    tables = [row[0] for row in row_probe.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = %s AND column_name = 'updated_at' "
        "ORDER BY table_name", (schema,))]
    assert tables, f"no table of schema {schema} has an updated_at column"
    results = {}
    for table in tables:
        qualified = f"{schema}.{table}"
        inserted = row_probe.insert_row(qualified, updated_at=OLD)
        assert inserted.accepted, str(inserted)
        key = row_probe.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                                (qualified,))[0][0]
        row_probe.execute(f'UPDATE {qualified} SET updated_at = %s WHERE "{key}" = %s', (OLD, inserted.row[key]))
        results[qualified] = row_probe.execute(f'SELECT updated_at, now() FROM {qualified} WHERE "{key}" = %s',
                                               (inserted.row[key],))[0]
    return results


@then("every one of those rows has its updated_at moved to the time of the update")
def updated_at_moved(updated_rows: dict[str, tuple]):
    stale = {table: str(updated) for table, (updated, now) in updated_rows.items() if updated != now}
    assert not stale, f"updated_at not maintained by a trigger in: {stale}"


# -- health_check() --------------------------------------------------------------------------------
@then(parsers.parse("it reports the schemas {names} healthy, each with the number of tables it has"))
def health_reports(pg_session: PostgresProbe, outcome: Outcome, names: str):
    assert outcome.ok, outcome
    reported = {row[0]: (row[1], row[2]) for row in outcome.reply}
    for schema in _names(names):
        assert schema in reported, f"health_check() does not report {schema}: {outcome.reply}"
        count = pg_session.run("SELECT count(*) FROM pg_tables WHERE schemaname = %s", (schema,))
        assert reported[schema] == (count.reply[0][0], "healthy"), \
            f"{schema}: health_check() says {reported[schema]}, the schema has {count.reply[0][0]} tables"
