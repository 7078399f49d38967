"""`harness lint` names each defect of a foreign stack on its own line, and only that defect.

tests/stacks/broken/ is a stack of our own (not a copy of stack/) with one defect of each class.
DEFECTS says, per defect, the text it replaced: reverting every one gives the clean base, and
the clean base plus one defect gives each single-defect variant.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from trading_harness.lint.runner import lint
from trading_harness.polling import wait_until
from trading_harness.stack_reader.yaml_doc import LinedYaml

from ..conftest import REPO, STACK, alive, descendants, edit

BROKEN = REPO / "tests" / "stacks" / "broken"

# name: (file, clean text, broken text, check that must fail, file:line it must name, another name it must mention)
DEFECTS = {
    "role-created-twice": (
        "db/init/04-orders.sql", "engine.\n", "engine.\nCREATE ROLE matching_rw LOGIN PASSWORD 'matching-db-secret';\n",
        "init-sql", "04-orders.sql:2", "01-roles.sql:3"),
    "redis-user-missing-from-acl": (
        "docker-compose.yml", "REDIS_USER: svc_vault", "REDIS_USER: svc-vault",
        "credentials", "docker-compose.yml:136 (service vault, REDIS_USER/REDIS_PASSWORD)", "users.acl"),
    "password-differs-compose-sql": (
        "docker-compose.yml", "matching_rw:matching-db-secret@", "matching_rw:matching-db-secr3t@",
        "credentials", "docker-compose.yml:109 (service matching, DATABASE_URL)", "role 'matching_rw' differs from the init SQL at"),
    "script-probes-unpublished-port": (
        "scripts/validate-stack.sh", "redis-cli -h localhost -p 16379", "redis-cli -h localhost -p 6379",
        "ports", "validate-stack.sh:6", "16379"),
    "user-cannot-write-registry-keys": (
        "cache/users.acl", "~prices:* ~discovery:* +@read", "~prices:* +@read",
        "credentials", "docker-compose.yml:78 (service pricing, REDIS_URL)", "users.acl:6"),
    "acl-syntax-error": (
        "cache/users.acl", "+ping +info\n", "+ping +inf0\n",
        "redis-config", "users.acl:4", "+inf0"),
}
SECRETS = ("pricing-secret", "matching-secret", "vault-secret", "dbadmin-secret", "matching-db-secret", "probe-secret")


def _copy(tmp: Path, name: str) -> Path:
    target = tmp / name
    shutil.copytree(BROKEN, target)
    return target


def _clean_base(tmp: Path) -> Path:
    """A copy of the broken stack with every defect reverted, under tmp (created)."""
    tmp.mkdir(parents=True, exist_ok=True)
    root = _copy(tmp, "clean")
    for path, clean, broken, *_ in DEFECTS.values():
        edit(root / path, broken, clean)
    return root


def _errors(root: Path) -> list[str]:
    return [f.line() for f in lint(root).errors]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lint")


def test_the_clean_base_of_the_foreign_stack_lints_clean(tmp):
    report = lint(_clean_base(tmp))
    assert report.findings == [], report.lines()


@pytest.mark.parametrize("name", DEFECTS)
def test_each_defect_alone_fails_its_own_line_naming_file_and_line(tmp, name):
    path, clean, broken, check, location, mention = DEFECTS[name]
    root = _clean_base(tmp / name)
    edit(root / path, clean, broken)
    report = lint(root)
    assert len(report.errors) == 1, report.lines()
    finding = report.errors[0]
    assert finding.check == check, finding.line()
    assert location in finding.line() and mention in finding.line(), finding.line()
    assert not report.warnings, report.lines()


def test_all_defects_together_give_one_line_each():
    report = lint(BROKEN)
    lines = [f.line() for f in report.errors]
    assert len(lines) == len(DEFECTS), lines
    for name, (_, _, _, check, location, mention) in DEFECTS.items():
        matching = [line for line in lines if location in line and mention in line and f"[{check}]" in line]
        assert len(matching) == 1, f"{name}: {lines}"


def test_the_reference_stack_lints_clean():
    report = lint(STACK)
    assert report.errors == [], report.lines()


def test_the_cli_prints_one_line_per_finding_masks_passwords_and_exits_1(own_base):
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint", "--stack-dir", str(BROKEN)],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HARNESS_TMPDIR": str(own_base)})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(DEFECTS) + 1 and "6 error(s)" in lines[-1], proc.stdout
    assert all(re.match(r"^\S+:\d+( \(service [^)]+\))?: error \[[a-z-]+\]: .+; fix: .+", line) for line in lines[:-1]), lines
    leaked = [secret for secret in SECRETS if secret in proc.stdout + proc.stderr]
    assert not leaked, proc.stdout
    assert not _left_in(own_base), "throwaway server data left behind"  # a base of its own: no other worker's lint


def test_the_cli_exits_0_on_the_reference_stack():
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_what_this_build_lacks_is_adapted_with_a_note(tmp):
    """activedefrag needs Redis's own jemalloc; a locale not installed here (postgresql.conf, initdb) falls back to C."""
    root = _clean_base(tmp / "adapted")
    (root / "cache" / "redis.conf").write_text((root / "cache" / "redis.conf").read_text() + "activedefrag yes\n")
    (root / "db" / "postgresql.conf").write_text("lc_messages = 'xx_XX.UTF-8'\nmax_connections = 50\n")
    edit(root / "docker-compose.yml", "    image: postgres:15-alpine\n",
         "    image: postgres:15-alpine\n    command: [\"postgres\", \"-c\", \"config_file=/etc/postgresql/postgresql.conf\"]\n")
    edit(root / "docker-compose.yml", "      - ./db/init:/docker-entrypoint-initdb.d:ro\n",
         "      - ./db/init:/docker-entrypoint-initdb.d:ro\n      - ./db/postgresql.conf:/etc/postgresql/postgresql.conf:ro\n")
    edit(root / "docker-compose.yml", "      POSTGRES_DB: trading\n",
         "      POSTGRES_DB: trading\n      POSTGRES_INITDB_ARGS: --locale=yy_YY.UTF-8 --data-checksums\n")
    report = lint(root)
    assert report.errors == [] and report.warnings == [], report.lines()
    notes = report.lines()
    assert any("(service db, POSTGRES_INITDB_ARGS)" in line and "yy_YY.UTF-8" in line for line in notes), notes
    assert any("redis.conf:10" in line and "activedefrag" in line for line in notes), notes
    assert any("postgresql.conf:1" in line and "xx_XX.UTF-8" in line for line in notes), notes


def test_refused_initdb_arguments_name_the_compose_variable(tmp):
    root = _clean_base(tmp / "initdb")
    edit(root / "docker-compose.yml", "      POSTGRES_DB: trading\n", "      POSTGRES_DB: trading\n      POSTGRES_INITDB_ARGS: --bogus\n")
    errors = _errors(root)
    assert len(errors) == 1 and "(service db, POSTGRES_INITDB_ARGS)" in errors[0] and "--bogus" in errors[0], errors


def test_a_postgresql_conf_error_names_its_line(tmp):
    root = _clean_base(tmp / "badconf")
    (root / "db" / "postgresql.conf").write_text("max_connections = 50\nshared_bufers = 16MB\n")
    edit(root / "docker-compose.yml", "    image: postgres:15-alpine\n",
         "    image: postgres:15-alpine\n    command: [\"postgres\", \"-c\", \"config_file=/etc/postgresql/postgresql.conf\"]\n")
    edit(root / "docker-compose.yml", "      - ./db/init:/docker-entrypoint-initdb.d:ro\n",
         "      - ./db/init:/docker-entrypoint-initdb.d:ro\n      - ./db/postgresql.conf:/etc/postgresql/postgresql.conf:ro\n")
    errors = _errors(root)
    assert len(errors) == 1 and "postgresql.conf:2" in errors[0] and "shared_bufers" in errors[0], errors


def test_an_if_not_exists_duplicate_is_a_warning_naming_both_places(tmp):
    root = _clean_base(tmp / "dup")
    path = root / "db" / "init" / "05-custody.sql"
    path.write_text(path.read_text() + "\nCREATE SCHEMA IF NOT EXISTS custody;\n")
    report = lint(root)
    assert report.errors == [], report.lines()
    assert len(report.warnings) == 1 and "05-custody.sql:9" in report.warnings[0].line() \
        and "02-schemas.sql:4" in report.warnings[0].line(), report.lines()


@pytest.fixture
def own_base():
    """A data-directory base of this test's own (HARNESS_TMPDIR), so another worker's lint cannot show up in it;
    under /dev/shm and world-traversable, as the unprivileged servers need."""
    base = Path(tempfile.mkdtemp(prefix="lint-test-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _left_in(base: Path) -> list[str]:
    return [p.name for p in base.glob("trading-harness-lint-*")]


def _lint_dirs() -> set[str]:
    bases = {tempfile.gettempdir(), "/dev/shm", os.environ.get("HARNESS_TMPDIR") or tempfile.gettempdir()}
    return {str(p) for base in bases if os.path.isdir(base) for p in Path(base).glob("trading-harness-lint-*")}


DUPLICATE_ROLE = "\nCREATE ROLE exchange_adapter LOGIN PASSWORD 'exchange-adapter-db-pass';\n"
LAST_SCRIPT = "postgres/init/06-exchange-instances.sql"


# check: (file of stack/, text, replacement (None: append), scenario that must fail, text its failure must show)
SCENARIO_VARIANTS = {
    "init-sql": (LAST_SCRIPT, None, DUPLICATE_ROLE,
                 "test_the_init_scripts_run_cleanly_on_a_fresh_cluster_each_object_created_once", "already created at"),
    "redis-config": ("redis/users.acl", "-@dangerous +info", "-@dangerous +inf0",
                     "test_redisconf_and_the_acl_file_load_in_redisserver", "users.acl:5"),
    "credentials": ("docker-compose.yml", "redis://exchange-adapter:exchange-pass@", "redis://exchange-adapter:exchange-pas5@",
                    "test_every_credential_in_the_compose_file_names_a_user_with_that_password_and_the_rights_its_service_needs",
                    "(service exchange-simulator, REDIS_URL)"),
    "ports": ("docker-compose.yml", "urlopen('http://127.0.0.1:8080/health'", "urlopen('http://127.0.0.1:8081/health'",
              "test_scripts_and_health_checks_probe_ports_that_compose_publishes_or_exposes",
              "(service service-registry, healthcheck)"),
    "compose": ("docker-compose.yml", "container_name: trading-ecosystem-redis\n    restart: unless-stopped\n",
                "container_name: trading-ecosystem-redis\n", "test_every_compose_service_is_defined_for_unattended_operation",
                "(service redis): error [compose]: restart policy is None"),
}


@pytest.mark.parametrize("check", SCENARIO_VARIANTS)
def test_each_lint_scenario_fails_alone_with_its_finding(run_features, stack_copy, check):
    path, old, new, scenario, shown = SCENARIO_VARIANTS[check]
    root = stack_copy()
    if old is None:
        (root / path).write_text((root / path).read_text() + new)
    else:
        edit(root / path, old, new)
    result = run_features("--stack-dir", str(root), "-m", "lint")
    outcomes = result.outcomes()
    failed = [name for name, state in outcomes.items() if state == "failed"]
    assert failed == [scenario] and len(outcomes) == len(SCENARIO_VARIANTS), outcomes
    assert shown in result.output, result.output[-3000:]
    assert "stack start-up: not started" in result.output  # static checks need no running stack


def test_a_broken_init_stops_the_run_with_the_lints_one_line(run_features, stack_copy):
    root = stack_copy()
    (root / LAST_SCRIPT).write_text((root / LAST_SCRIPT).read_text() + DUPLICATE_ROLE)
    result = run_features("--stack-dir", str(root), "-m", "postgres and not lint",
                          env={"HARNESS_SERVICES": "redis,postgres", "HARNESS_PG_TEMPLATE": "0"})
    assert result.returncode == 3, result.output[-3000:]
    diagnosis = [line for line in result.output.splitlines() if "the init SQL does not run on a fresh cluster" in line]
    assert len(diagnosis) == 1, result.output[-3000:]
    assert re.search(r"06-exchange-instances\.sql:\d+: error \[init-sql\]", diagnosis[0]), diagnosis[0]
    assert "01-init-schemas.sql:43" in diagnosis[0] and "exchange-adapter-db-pass" not in result.output


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_lint_leaves_no_server_and_no_data(sig, own_base):
    proc = subprocess.Popen([sys.executable, "-m", "trading_harness.cli.main", "lint"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HARNESS_TMPDIR": str(own_base)})
    try:
        servers = wait_until(lambda: [pid for pid in descendants(proc.pid) if _is_server(pid)], 60, interval=0.01,
                             message="a throwaway server of the lint")
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode != 0
    wait_until(lambda: not any(alive(pid) for pid in servers), 10, message="throwaway servers gone")
    assert not _left_in(own_base), "throwaway server data left behind"


def _is_server(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].endswith((b"postgres", b"redis-server"))
    except OSError:
        return False


@pytest.mark.parametrize("variable, install", [("HARNESS_REDIS_SERVER", "redis-server"), ("HARNESS_INITDB", "postgresql")])
def test_a_missing_binary_is_one_line_naming_the_install(variable, install, own_base):
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint"], cwd=REPO, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, variable: "/nonexistent/binary", "HARNESS_TMPDIR": str(own_base)})
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "apt-get install" in proc.stderr and install in proc.stderr, proc.stderr
    assert not _left_in(own_base)


def test_sql_statements_keep_their_first_line_through_comments_quotes_and_dollar_quotes(tmp_path):
    from trading_harness.stack_reader import sql_text
    path = tmp_path / "x.sql"
    path.write_text("-- a; comment\n/* block;\n comment */\nCREATE ROLE a LOGIN PASSWORD 'it''s;';\n\n"
                    "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'b') THEN\n"
                    "    CREATE ROLE b;\n  END IF;\nEND\n$$;\nCREATE TABLE IF NOT EXISTS s.t (x text DEFAULT ';');\n")
    statements = sql_text.statements(path)
    assert [(s.start, s.end) for s in statements] == [(4, 4), (6, 12), (13, 13)]
    made = [(c.kind, c.name, c.line, c.guarded) for s in statements for c in sql_text.creations(s)]
    assert made == [("role", "a", 4, False), ("role", "b", 9, True), ("table", "s.t", 13, True)]
    assert [(p.role, p.password, p.line) for s in statements for p in sql_text.passwords(s)] == [("a", "it's;", 4)]


def test_compose_merge_keys_are_read_as_compose_reads_them(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("x-common: &common\n  restart: unless-stopped\n  image: base\n"
                       "services:\n  api:\n    image: own\n    <<: *common\n")
    doc = LinedYaml(compose)
    assert doc.doc["services"]["api"] == {"image": "own", "restart": "unless-stopped"}
    assert doc.line("services", "api", "image") == 6  # the key written in the service wins
    assert doc.line("services", "api", "restart") == 2  # a merged key points at the anchor that defines it
