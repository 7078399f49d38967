"""Check (a): the init SQL, run as the official postgres image's entrypoint runs it.

Findings: the statement that aborts the init (file:line, the statement, the server's error,
the files that therefore never ran); a role, schema or table created twice across the files
(an error, or a warning when IF NOT EXISTS makes it harmless); postgresql.conf errors.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.lint import locales
from trading_harness.lint.findings import ERROR, NOTE, WARNING, Finding, where
from trading_harness.lint.layout import Service, StackLayout
from trading_harness.lint.pg_cluster import InitFailure, ThrowawayCluster
from trading_harness.stack_reader import sql_text
from trading_harness.stack_reader.bounded import read_lines

CHECK = "init-sql"
_GUARDS = {"role": "a DO block that checks pg_roles first", "schema": "CREATE SCHEMA IF NOT EXISTS",
           "table": "CREATE TABLE IF NOT EXISTS"}
_PASSWORD_LITERAL = re.compile(r"PASSWORD\s+'(?:[^']|'')*'", re.IGNORECASE)
_INITDB_OWN = {"--auth", "--auth-host", "--auth-local", "-A", "-U", "--username", "--pwfile", "-W", "--pwprompt",
               "-D", "--pgdata"}
_INITDB_LOCALES = {"--locale", "--lc-collate", "--lc-ctype", "--lc-messages", "--lc-monetary", "--lc-numeric", "--lc-time"}
_SETTING = re.compile(r"^\s*([A-Za-z_.]+)\s*(?:=|\s)")
# Paths inside the container (the throwaway cluster keeps its own) and preloaded libraries of the image.
CONTAINER_SETTINGS = {"data_directory", "hba_file", "ident_file", "external_pid_file", "ssl", "ssl_cert_file",
                      "ssl_key_file", "ssl_ca_file", "ssl_crl_file", "log_directory", "unix_socket_directories",
                      "shared_preload_libraries"}
_LOCALE_SETTING = re.compile(r"^\s*(lc_messages|lc_monetary|lc_numeric|lc_time)\s*=?\s*'?([^'#\s]+)'?", re.IGNORECASE)


@dataclass
class PostgresSide:
    """One compose PostgreSQL service: its names, its init files, and what running them gave."""

    service: Service
    superuser: str
    password: str
    database: str
    files: list[Path]
    conf: Path | None
    findings: list[Finding] = field(default_factory=list)
    completed: bool = False
    cluster: ThrowawayCluster | None = None
    _statements: list[sql_text.Statement] | None = field(default=None, repr=False)

    initdb_args: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, layout: StackLayout, service: Service) -> PostgresSide:
        env = service.environment
        superuser = env.get("POSTGRES_USER") or "postgres"
        side = cls(service, superuser, env.get("POSTGRES_PASSWORD", ""), env.get("POSTGRES_DB") or superuser,
                   layout.init_scripts(service), layout.postgres_conf(service))
        side.initdb_args = side._initdb_args(env.get("POSTGRES_INITDB_ARGS", ""))
        return side

    def _initdb_args(self, text: str) -> list[str]:
        """POSTGRES_INITDB_ARGS as the image passes them; a locale not installed here is dropped (a note)."""
        kept, location = [], where(self.service.compose.path, self.service.env_line("POSTGRES_INITDB_ARGS"))
        for arg in shlex.split(text):
            name, _, value = arg.partition("=")
            if name in _INITDB_OWN:
                continue  # the cluster's own: authentication, superuser, data directory
            if name in _INITDB_LOCALES and not locales.is_installed(value):
                self.findings.append(Finding(CHECK, NOTE, f"{location} (service {self.service.name}, POSTGRES_INITDB_ARGS)",
                                             f"locale {value} is not installed here; the lint ran initdb without {arg}",
                                             "nothing to fix in the stack; install the locale to lint with it"))
                continue
            kept.append(arg)
        return kept

    def statements(self) -> list[sql_text.Statement]:
        """Every statement of the .sql init files, in the order the entrypoint runs them (parsed once)."""
        if self._statements is None:
            self._statements = [s for f in self.files if f.name.endswith(".sql") for s in sql_text.statements(f)]
        return self._statements


def adapted_conf(conf: Path) -> tuple[list[str], list[Finding]]:
    """postgresql.conf lines, with locales this machine lacks replaced by C and container paths dropped (notes)."""
    lines, notes = read_lines(conf), []
    for number, text in enumerate(lines, 1):
        setting = _SETTING.match(text)
        if setting and setting[1].lower() in CONTAINER_SETTINGS:
            lines[number - 1] = ""
            if setting[1].lower() == "shared_preload_libraries":
                notes.append(Finding(CHECK, NOTE, where(conf, number), "the lint ran without shared_preload_libraries "
                                     "(libraries of the image, maybe not installed here)", "nothing to fix in the stack"))
            continue
        match = _LOCALE_SETTING.match(text)
        if match and not locales.is_installed(match[2]):
            lines[number - 1] = f"{match[1]} = 'C'"
            notes.append(Finding(CHECK, NOTE, where(conf, number),
                                 f"locale {match[2]} is not installed here; the lint ran with {match[1]} = 'C'",
                                 "nothing to fix in the stack; install the locale to lint with it"))
    return lines, notes


def cluster_for(side: PostgresSide) -> ThrowawayCluster:
    """The throwaway cluster for a PostgreSQL service, to enter with `with` (config errors become findings)."""
    conf_lines = None
    if side.conf is not None:
        if not side.conf.is_file():
            side.findings.append(Finding(CHECK, ERROR, where(side.service.compose.path, side.service.line("command")),
                                         f"service {side.service.name}: config_file {side.conf} does not exist",
                                         "mount an existing postgresql.conf or drop config_file"))
        else:
            conf_lines, notes = adapted_conf(side.conf)
            side.findings.extend(notes)
    return ThrowawayCluster(side.superuser, side.password, side.database, side.conf, conf_lines, side.initdb_args)


def run(side: PostgresSide, cluster: ThrowawayCluster) -> list[Finding]:
    """Run the init files in the cluster; the findings of this check for this service."""
    findings = list(side.findings)
    if cluster.initdb_failure:
        location = where(side.service.compose.path, side.service.env_line("POSTGRES_INITDB_ARGS"))
        findings.append(Finding(CHECK, ERROR, f"{location} (service {side.service.name}, POSTGRES_INITDB_ARGS)",
                                f"initdb refuses these arguments: {cluster.initdb_failure}", "fix POSTGRES_INITDB_ARGS"))
        return findings
    if cluster.conf_failure:
        failure = cluster.conf_failure
        findings.append(Finding(CHECK, ERROR, where(side.conf, failure.line),
                                f"PostgreSQL refuses its configuration: {failure.error}", "fix or remove this setting"))
        return findings
    side.cluster = cluster
    if not side.files:
        findings.append(Finding(CHECK, NOTE, where(side.service.compose.path, side.service.line("volumes")),
                                f"service {side.service.name} mounts no init folder at /docker-entrypoint-initdb.d",
                                ""))
    for path in side.files:
        if path.name.endswith(".sh"):
            findings.append(Finding(CHECK, NOTE, where(path), "shell init script: the image sources it; the lint does not run it",
                                    ""))
    _, failure = cluster.run_init(side.files)
    side.completed = failure is None
    creations = [c for s in side.statements() for c in sql_text.creations(s)]
    aborted_by = None
    if failure:
        finding, aborted_by = _failure(failure, creations)
        findings.append(finding)
    findings.extend(_duplicates(creations, aborted_by))
    return findings


def _failure(failure: InitFailure, creations: list[sql_text.Creation]) -> tuple[Finding, sql_text.Creation | None]:
    stmt = sql_text.statement_at(sql_text.statements(failure.file), failure.line) if failure.line else None
    line = stmt.start if stmt else failure.line
    first_line = _PASSWORD_LITERAL.sub("PASSWORD '***'", " ".join(stmt.text.split()))[:120] if stmt else ""
    never = ", ".join(p.name for p in failure.never_ran) or "none"
    message = f"the init aborts here: {failure.error}"
    if first_line:
        message += f" in `{first_line}`"
    fix = "make every file run once, in order, on an empty database"
    duplicate = None
    if "already exists" in failure.error and stmt:
        here = [c for c in creations if c.file == failure.file and stmt.start <= c.line <= stmt.end]
        for made in here:
            earlier = [c for c in creations if (c.kind, c.name) == (made.kind, made.name) and c is not made
                       and (c.file, c.line) < (made.file, made.line)]
            if earlier:
                duplicate = made
                message += f"; {made.kind} {made.name} was already created at {where(earlier[0].file, earlier[0].line)}"
                fix = f"create {made.kind} {made.name} once (remove this statement, or guard it: {_GUARDS[made.kind]})"
                break
    message += f"; never ran: {never}"
    return Finding(CHECK, ERROR, where(failure.file, line), message, fix), duplicate


def _duplicates(creations: list[sql_text.Creation], reported: sql_text.Creation | None) -> list[Finding]:
    findings, first = [], {}
    for made in creations:
        key = (made.kind, made.name)
        if key not in first:
            first[key] = made
            continue
        if made == reported:
            continue
        original = first[key]
        harmless = made.guarded
        findings.append(Finding(
            CHECK, WARNING if harmless else ERROR, where(made.file, made.line),
            f"{made.kind} {made.name} is created again (first at {where(original.file, original.line)})"
            + ("; IF NOT EXISTS makes it a no-op" if harmless else "; the second CREATE fails"),
            f"create {made.kind} {made.name} in one file only"))
    return findings


def diagnose(stack_dir: Path, service: str) -> str | None:
    """The first error line of this check for one compose PostgreSQL service of a stack folder, or None."""
    layout = StackLayout.read(stack_dir)
    if service not in layout.services:
        return None
    side = PostgresSide.of(layout, layout.services[service])
    with cluster_for(side) as cluster:
        errors = [f for f in run(side, cluster) if f.severity == ERROR]
    return errors[0].line() if errors else None
