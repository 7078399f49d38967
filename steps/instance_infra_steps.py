"""Sentences about multi-instance infrastructure (TSE-0001.12.0): per-instance volumes, audit schemas.

Every name comes from the stack under test: instances from the compose file's SERVICE_INSTANCE_NAME
and the volume step from its shape (steps/probes/volume_init.py), the image's user from its
Dockerfile, roles and schemas from the stack profile ("the audit adapter", "the audit_correlator
schema"), login roles from the init SQL (StackDefinition.postgres.roles), tables and columns from the
catalog, and health_check()'s report in whatever form it has (steps/probes/health_function.py).
"""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes import volume_init
from steps.probes.dependencies import domain_schema
from steps.probes.health_function import healthy, schema_reports
from steps.probes.outcome import Outcome
from steps.probes.pg_rows import RowProbe
from steps.probes.postgres_probe import PostgresProbe
from steps.probes.principals import postgres_role
from steps.probes.service_probe import ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.definition import StackDefinition
from trading_harness.errors import DependsOnFailure
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace(" and ", ",").split(",") if n.strip()]

OLD = "2000-01-01T00:00:00Z"


# -- the compose file ------------------------------------------------------------------------------
def _check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@then("a one-shot service runs the volume initialisation script for every simulator instance")
def init_service(stack_definition: StackDefinition):
    _check(volume_init.init_problems(stack_definition.compose_file.parent, stack_definition.services))


@then("the volume initialisation gives the directories to the user the simulator image runs as")
def init_owner(stack_definition: StackDefinition):
    _check(volume_init.owner_problems(stack_definition.compose_file.parent, stack_definition.services))


@then("every simulator instance mounts its own data and logs directories from ./volumes/<instance>")
def instance_mounts(stack_definition: StackDefinition):
    assert volume_init.instances(stack_definition.services), "no service names its instance (SERVICE_INSTANCE_NAME)"
    _check(volume_init.mount_problems(stack_definition.services))


@then("every simulator instance starts only after the volume initialisation completed successfully")
def instances_wait_for_init(stack_definition: StackDefinition):
    _check(volume_init.wait_problems(stack_definition.services))


# -- what each instance sees -----------------------------------------------------------------------
@when(parsers.parse("a client asks the {service} which directories it uses"), target_fixture="instance_volumes")
def asks_volumes(service_probe: ServiceProbe, service: str) -> dict:
    reply = service_probe.get(service, "/api/v1/adapter")
    if reply.status_code == 404:
        pytest.skip(f"{service} does not report the directories it uses (no GET /api/v1/adapter): "
                    f"only the compose file's mounts are checked")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    if "volumes" not in body:
        pytest.skip(f"{service} does not report the directories it uses (GET /api/v1/adapter has no volumes): "
                    f"only the compose file's mounts are checked")
    volumes = body.get("volumes") or {}
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
_TABLES_SCENARIO = "'Schema {domain} holds the four audit tables'"
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


def _exists(pg: PostgresProbe, schema: str) -> bool:
    outcome = pg.run("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    assert outcome.ok, outcome
    return bool(outcome.reply)


def _schema(stack: Stack, pg: PostgresProbe, domain: str) -> str:
    """The domain's schema (the stack profile's name); a missing one is the tables scenario's failure."""
    name = domain_schema(stack, domain)
    if not _exists(pg, name):
        raise DependsOnFailure(f"depends on schema {name} of the {domain} domain, which does not exist "
                               f"(the failure of {_TABLES_SCENARIO.format(domain=domain)})")
    return name


@then(parsers.parse("the {domain} schema exists and has the tables {names}"))
def schema_exists_with_tables(stack: Stack, pg_session: PostgresProbe, domain: str, names: str):
    profile = stack.definition.profile
    assert domain in profile.domains and profile.domains[domain].schema, \
        f"the stack defines no {domain} schema (its init SQL creates {sorted(profile.domains)})"
    name = profile.domains[domain].schema
    assert _exists(pg_session, name), f"schema {name} of the {domain} domain does not exist"
    present = set(_tables(pg_session, name, require=False))
    missing = [n for n in _names(names) if n not in present]
    assert not missing, f"schema {name} lacks tables {missing} (has {sorted(present)})"


def _shape(pg: PostgresProbe, schema: str, tables: set[str]) -> dict[str, set]:
    shape = {}
    for what, query in _TWIN_SHAPE.items():
        params = (schema, schema) if what == "constraints" else (schema,)
        outcome = pg.run(query, params)
        assert outcome.ok, outcome
        shape[what] = {row for row in outcome.reply if row[0] in tables}
    return shape


@then(parsers.parse("every table of the {domain} schema has a twin in the {twin_domain} schema with the same columns, "
                    "constraints and indexes"))
def twin_tables(stack: Stack, pg_session: PostgresProbe, domain: str, twin_domain: str):
    schema, twin = _schema(stack, pg_session, domain), _schema(stack, pg_session, twin_domain)
    tables = set(_tables(pg_session, schema))
    original, copy = _shape(pg_session, schema, tables), _shape(pg_session, twin, tables)
    differences = []
    for what in _TWIN_SHAPE:
        differences += [f"{what} only in {schema}: {row}" for row in sorted(original[what] - copy[what])]
        differences += [f"{what} only in {twin}: {row}" for row in sorted(copy[what] - original[what])]
    assert not differences, "\n".join(differences)


def _tables(pg: PostgresProbe, schema: str, require: bool = True) -> list[str]:
    outcome = pg.run("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))
    assert outcome.ok, outcome
    assert outcome.reply or not require, f"schema {schema} has no tables"
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
        qualified = f'"{schema}"."{table}"'
        first = pg.run("SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum = 1",
                       (qualified,))
        for privilege in _names(privileges):
            results[f"{privilege} on {schema}.{table}"] = pg.run(
                _STATEMENTS[privilege].format(t=qualified, c=first.reply[0][0]))
    return results


@then(parsers.parse("it may {privileges} on every table of the {domain} schema"))
def may(stack: Stack, pg_session: PostgresProbe, privileges: str, domain: str):
    results = _try(pg_session, _schema(stack, pg_session, domain), privileges)
    refused = [f"{what}: {outcome}" for what, outcome in results.items() if not outcome.ok]
    assert not refused, f"{pg_session.role} was refused:\n" + "\n".join(refused)


@then(parsers.parse("it may not {privileges} on any table of the {domain} schema"))
def may_not(stack: Stack, pg_session: PostgresProbe, privileges: str, domain: str):
    results = _try(pg_session, _schema(stack, pg_session, domain), privileges.replace(" or ", ", "))
    allowed = [what for what, outcome in results.items() if outcome.ok or "permission denied" not in outcome.error]
    assert not allowed, f"{pg_session.role} was allowed: {allowed}"


@then(parsers.re(r"of the login roles the init SQL creates, only (?P<who>.+?) (?:has|have) (?P<privilege>[A-Z]+) "
                 r"on the (?P<domain>\w+) schema$"))
def only_roles(stack: Stack, stack_definition: StackDefinition, pg_session: PostgresProbe, who: str, privilege: str,
               domain: str):
    schema = _schema(stack, pg_session, domain)
    expected = sorted({postgres_role(stack_definition.profile, part) for part in _names(who)})
    logins = sorted(stack_definition.postgres.roles)
    assert logins, "the init SQL creates no login role"
    outcome = pg_session.run("SELECT r, has_schema_privilege(r, %s, %s) FROM unnest(%s::text[]) AS r",
                             (schema, privilege, logins))
    assert outcome.ok, outcome
    holders = sorted(role for role, allowed in outcome.reply if allowed)
    assert holders == expected, f"{privilege} on {schema}: {holders}, expected {expected} ({who})"


# -- updated_at triggers ---------------------------------------------------------------------------
@pytest.fixture
def role_transactions():
    opened: list[RowProbe] = []
    yield opened
    for probe in opened:
        probe.close()


@given(parsers.parse("a transaction as the {who}"), target_fixture="row_probe")
def transaction_as(stack: Stack, evidence: Evidence, unique: str, role_transactions: list, who: str) -> RowProbe:
    role = postgres_role(stack.definition.profile, who)
    probe = RowProbe(stack.postgres_dsn(role), role, evidence, unique)
    role_transactions.append(probe)
    return probe


@when(parsers.parse("it inserts a row with an old updated_at into every table of the {domain} schema that has the "
                    "column, and updates the row"), target_fixture="updated_rows")
def insert_and_update(stack: Stack, row_probe: RowProbe, domain: str) -> dict[str, tuple]:
    schema = domain_schema(stack, domain)
    if not row_probe.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)):
        raise DependsOnFailure(f"depends on schema {schema}, which does not exist "
                               f"(the failure of {_TABLES_SCENARIO.format(domain=domain)})")
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
@then(parsers.parse("it reports the schemas of the domains {domains} healthy, each with the number of tables it has"))
def health_reports(stack: Stack, pg_session: PostgresProbe, outcome: Outcome, domains: str):
    assert outcome.ok, f"health_check() failed: {outcome}"
    schemas = [_schema(stack, pg_session, d) for d in _names(domains)]
    reported = schema_reports(outcome.reply, schemas)
    problems = []
    for schema in schemas:
        if schema not in reported:
            problems.append(f"health_check() does not report {schema}: {outcome.reply}")
            continue
        count, status = reported[schema]
        tables = len(_tables(pg_session, schema, require=False))
        if count != tables or not healthy(status):
            problems.append(f"{schema}: health_check() says {count} tables, {status!r}; the schema has {tables} tables")
    assert not problems, "\n".join(problems)
