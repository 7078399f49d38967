"""The embedded target: real servers on free loopback ports, data in a temp dir, clean teardown."""
from __future__ import annotations

import os

import psycopg
import pytest
import redis

from trading_harness.definition import StackDefinition
from trading_harness.errors import MissingBinary, StackStartError
from trading_harness.polling import wait_until
from trading_harness.servers.postgres import PostgresServer
from trading_harness.targets import health
from trading_harness.targets.embedded import EmbeddedStack

from ..conftest import STACK, alive, edit


@pytest.fixture(scope="module")
def stack():
    running = EmbeddedStack.up(StackDefinition.load(STACK))
    yield running
    running.close()


def test_every_service_listens_on_loopback_on_a_runtime_port(stack):
    ports = set()
    for name in stack.services:
        address = stack.address(name)
        assert address.host == "127.0.0.1"
        assert address.port not in (6379, 5432, 8080), "ports are found free at run time"
        ports.add(address.port)
        assert health.check(stack, name).ok, name
    assert len(ports) == len(stack.services)


def test_postgres_runs_unprivileged_when_root(stack):
    if os.geteuid() != 0:
        pytest.skip("only meaningful as root")
    pid = stack.pids()["postgres"]
    uid = int(open(f"/proc/{pid}/status").read().split("Uid:")[1].split()[0])
    assert uid != 0


def test_init_sql_applied_and_roles_usable(stack):
    with psycopg.connect(stack.postgres_dsn("exchange_adapter")) as conn:
        assert conn.execute("SELECT status FROM exchange.health_check()").fetchone() == ("healthy",)


def test_stop_start_restart_keep_the_port_and_the_data(stack):
    port = stack.address("postgres").port
    with psycopg.connect(stack.postgres_dsn(), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.survives (id int)")
    stack.stop("postgres")
    assert not stack.is_running("postgres")
    assert not health.check(stack, "postgres").ok
    stack.start("postgres")
    assert stack.address("postgres").port == port
    with psycopg.connect(stack.postgres_dsn(), autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.survives')").fetchone()[0] == "survives"
    stack.restart("redis")
    assert health.check(stack, "redis").ok


def test_start_many_starts_what_a_service_needs_first_and_the_rest_together(stack, monkeypatch):
    """A dependant is spawned only once what it depends on answers; services of one wave start together."""
    stopped = ["exchange-simulator", "custodian-simulator", "service-registry"]  # the registry last: the order given
    for name in stopped:
        stack.stop(name)
    spawned = []
    for name in stopped:
        server = stack.servers[name]
        spawn = server.spawn
        monkeypatch.setattr(server, "spawn", lambda name=name, spawn=spawn: (
            spawned.append((name, {other for other in stopped if health.check(stack, other).ok})), spawn()))
    stack.start_many(stopped)
    assert spawned == [("service-registry", set()), ("custodian-simulator", {"service-registry"}),
                       ("exchange-simulator", {"service-registry"})], spawned
    for name in stopped:
        assert stack.is_running(name) and health.check(stack, name).ok, name


def test_two_stacks_run_side_by_side(stack):
    other = EmbeddedStack.up(StackDefinition.load(STACK))
    try:
        for name in stack.services:
            assert stack.address(name).port != other.address(name).port
        client = redis.Redis.from_url(other.redis_url("admin"), socket_timeout=2)
        client.set("exchange:side-by-side", "other")
        mine = redis.Redis.from_url(stack.redis_url("admin"), socket_timeout=2)
        assert mine.get("exchange:side-by-side") is None
    finally:
        other.close()


def test_close_removes_processes_and_data():
    running = EmbeddedStack.up(StackDefinition.load(STACK))
    pids, workdir = running.pids(), running.workdir
    running.close()
    assert not workdir.exists()
    assert not [p for p in pids.values() if alive(p)]


def test_the_first_start_caches_a_template_cluster_and_the_next_start_copies_it(tmp_path, monkeypatch):
    """The template is built beside the served cluster (servers/postgres.py); a later start runs no initdb."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    clusters: list[str] = []  # the data directory of each initdb
    init_cluster = PostgresServer._init_cluster

    def counted(server, data):
        clusters.append(data.name)
        init_cluster(server, data)

    monkeypatch.setattr(PostgresServer, "_init_cluster", counted)
    definition = StackDefinition.load(STACK)
    templates = tmp_path / "postgres-templates"
    first = EmbeddedStack.up(definition, only=["postgres"])
    try:
        wait_until(lambda: [t for t in templates.glob("*") if (t / "PG_VERSION").is_file() and "." not in t.name],
                   30, interval=0.1, message=f"a template cluster in {templates}")
    finally:
        first.close()
    assert clusters == ["data", "template"], "one cluster served, one built for the cache"
    clusters.clear()
    second = EmbeddedStack.up(definition, only=["postgres"])
    try:
        assert clusters == [], "the second start ran initdb instead of copying the cached template"
        with psycopg.connect(second.postgres_dsn("exchange_adapter")) as conn:
            assert conn.execute("SELECT status FROM exchange.health_check()").fetchone() == ("healthy",)
    finally:
        second.close()


def test_missing_binary_names_it_and_the_install_command(monkeypatch):
    monkeypatch.setenv("HARNESS_REDIS_SERVER", "/nonexistent/redis-server")
    with pytest.raises(MissingBinary) as info:
        EmbeddedStack.up(StackDefinition.load(STACK))
    assert "redis-server" in str(info.value)
    assert "apt-get install -y redis-server" in str(info.value)


def test_server_that_cannot_start_reports_its_log(stack_copy):
    broken = stack_copy()
    edit(broken / "redis" / "redis.conf", "maxmemory-policy allkeys-lfu", "maxmemory-policy sometimes")
    with pytest.raises(StackStartError) as info:
        EmbeddedStack.up(StackDefinition.load(broken))
    message = str(info.value)
    assert "redis" in message and "exited" in message
    assert "maxmemory-policy" in message, "the tail of redis-server's log says what is wrong"


def test_init_script_failure_names_the_script(stack_copy):
    broken = stack_copy()
    init = broken / "postgres" / "init"
    (init / "99-duplicate-role.sql").write_text("CREATE ROLE exchange_adapter LOGIN PASSWORD 'again';\n")
    with pytest.raises(StackStartError, match="99-duplicate-role.sql") as info:
        EmbeddedStack.up(StackDefinition.load(broken))
    assert "already exists" in str(info.value)
    assert "'again'" not in str(info.value)


def test_data_dirs_of_killed_sessions_are_swept(tmp_path):
    """SIGKILL leaves a session's data dir behind; the next stack removes it, never a live one."""
    import subprocess

    from trading_harness.workdirs import OWNER_FILE, WORKDIR_PREFIX, sweep_stale_workdirs

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan, live, foreign = (tmp_path / f"{WORKDIR_PREFIX}{n}" for n in ("orphan", "live", "foreign"))
    for path in (orphan, live, foreign):
        (path / "redis-data").mkdir(parents=True)
    (orphan / OWNER_FILE).write_text(str(dead.pid))
    (live / OWNER_FILE).write_text(str(os.getpid()))
    assert sweep_stale_workdirs(str(tmp_path)) == [orphan]
    assert not orphan.exists() and live.exists() and foreign.exists()
