"""The one reader of a stack folder (trading_harness/stack_reader): classification by what a service
runs, credentials from Redis/PostgreSQL variables only, bounded parsing with one line per bad file,
and the lint and the run agreeing on each of those. Unit tests: no stack starts."""
from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from trading_harness.definition import StackDefinition, compose_services
from trading_harness.errors import StackConfigError
from trading_harness.lint.credentials_found import of_service
from trading_harness.lint.layout import StackLayout
from trading_harness.stack_reader import bounded, connections
from trading_harness.stack_reader.contract import domain_of
from trading_harness.stack_reader.kinds import KINDS, Shape, classify, repository

ROOT = Path(__file__).resolve().parents[2]


def _shape(image=None, command=(), **kwargs) -> Shape:
    return Shape("svc", image, list(command), **kwargs)


# -- classification --------------------------------------------------------------------------------
@pytest.mark.parametrize("image, command, category", [
    ("redis:7.2", [], "redis"),
    ("docker.io/library/redis:7.2-alpine@sha256:" + "0" * 64, [], "redis"),
    ("trading-harness/redis:7.0", ["redis-server", "/etc/redis.conf"], "redis"),
    ("postgres:15", [], "postgres"),
    ("custom/db:1", ["postgres", "-c", "config_file=/etc/postgresql.conf"], "postgres"),
    ("prom/prometheus:v2.42.0", [], "prometheus"),
    ("trading-harness/prometheus:2.42", ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/p"],
     "prometheus"),
    ("oliver006/redis_exporter:v1.55.0", [], "exporter"),
    ("prometheuscommunity/postgres-exporter:v0.15.0", [], "exporter"),
    ("quay.io/prometheuscommunity/postgres-exporter", [], "exporter"),
    ("grafana/grafana:10.2.0", [], "third-party"),
    ("jaegertracing/all-in-one:1.51", [], "third-party"),
    ("otel/opentelemetry-collector-contrib:0.88.0", ["--config=/etc/otel.yaml"], "third-party"),
    ("redis-like/redis", [], "unknown"),          # a repository named like redis is not the official one
    ("ghcr.io/acme/postgres-tools:1", [], "unknown"),
])
def test_infrastructure_and_tools_by_what_they_run(image, command, category):
    assert classify(_shape(image, command)).category == category


def test_repository_name_is_exact():
    assert repository("docker.io/library/redis:7.2@sha256:ab") == "redis"
    assert repository("localhost:5000/redis:7") == "localhost:5000/redis"
    assert repository("oliver006/redis_exporter:latest") == "oliver006/redis_exporter"


def test_application_by_contract_one_shot_unknown():
    assert classify(_shape("alpine:3.19", ["./registry-service.sh"],
                           environment={"SERVICE_NAME": "service-registry", "HTTP_PORT": "8080"})).category == "application"
    assert classify(_shape(None, ["./server"], healthcheck="curl -f http://localhost:8080/api/v1/health")).category \
        == "application"
    assert classify(_shape(None, ["python", "-m", "x"],
                           environment={"TRADING_ADAPTER_REDIS_URL": "redis://u:p@redis:6379"})).category == "application"
    assert classify(_shape("alpine:3.19", ["sh", "/init.sh"], restart="no")).category == "one-shot"
    assert classify(_shape("busybox", ["true"], completes=True)).category == "one-shot"
    assert classify(_shape("nginx:1.25", [])).category == "unknown"


def test_kinds_are_one_table():
    categories = {k.category for k in KINDS}
    assert categories == {"redis", "postgres", "prometheus", "exporter", "third-party"}
    images = [i for k in KINDS for i in k.images]
    assert len(images) == len(set(images))


@pytest.mark.parametrize("name, domain", [("exchange-simulator", "exchange"), ("market-data-simulator", "market_data"),
                                          ("audit-correlator", "audit_correlator"), ("service-registry", "registry"),
                                          ("trading-system-engine", "trading_system_engine"),
                                          ("risk-monitor", "risk_monitor")])
def test_domain_from_service_name(name, domain):
    assert domain_of(name) == domain


def test_reference_stack_categories():
    definition = StackDefinition.load(ROOT / "stack")
    categories = {n: s.category for n, s in definition.services.items()}
    assert categories["redis"] == "redis" and categories["postgres"] == "postgres"
    assert categories["prometheus"] == "prometheus" and categories["init-volumes"] == "one-shot"
    applications = {s.name: s for s in definition.application_services()}
    assert "service-registry" in applications and "exchange-okx" in applications
    okx = applications["exchange-okx"].application
    assert (okx.domain, okx.instance, okx.grpc_port, okx.health_path) == ("exchange", "exchange-okx", 50051, "/api/v1/health")
    assert okx.redis_users == ("exchange-okx-adapter",) and okx.postgres_users == ("exchange_okx_adapter",)
    assert applications["service-registry"].application.grpc_port is None


def test_kind_never_raises(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  reg:\n    image: alpine:3.19\n    command: ['./registry-service.sh']\n"
                       "    environment: {SERVICE_NAME: service-registry}\n"
                       "  gosvc:\n    build: {context: .., dockerfile: x-go/Dockerfile}\n"
                       "  graf:\n    image: grafana/grafana:10.2.0\n")
    services = compose_services(compose)
    assert [services[n].kind for n in ("reg", "gosvc", "graf")] == [None, None, None]
    assert services["reg"].domain == "registry" and services["graf"].category == "third-party"


# -- credentials -----------------------------------------------------------------------------------
def test_connections_only_from_redis_and_postgres_variables():
    env = {"REDIS_URL": "redis://trading-adapter:pw1@redis:6379/0",
           "TEST_COORDINATOR_ADAPTER_POSTGRES_URL": "postgres://tc:pw2@postgres:5432/db",
           "GF_SECURITY_ADMIN_USER": "admin", "GF_SECURITY_ADMIN_PASSWORD": "grafana-pw",
           "DB_USER": "app", "DB_PASSWORD": "pw3", "HTTP_URL": "http://user:x@host/"}
    found = {(c.system, c.user, c.password) for c in connections.connections(env)}
    assert found == {("redis", "trading-adapter", "pw1"), ("postgres", "tc", "pw2"), ("postgres", "app", "pw3")}
    assert "grafana-pw" in connections.secrets(env) and "admin" not in connections.secrets(env)


# -- bounded parsing: one line per bad file ---------------------------------------------------------
def _alias_bomb() -> str:
    """9 levels of 9 aliases: 9**9 strings once expanded."""
    lines, previous = [], '"lol"'
    for name in "abcdefghi":
        lines.append(f"x-{name}: &{name} [{', '.join([previous] * 9)}]")
        previous = f"*{name}"
    return "\n".join(lines) + "\n"


ALIAS_BOMB = _alias_bomb()


def _copy_stack(tmp_path: Path) -> Path:
    import shutil
    target = tmp_path / "stack"
    shutil.copytree(ROOT / "tests" / "stacks" / "renamed", target, symlinks=True)
    return target


def _both(stack: Path) -> tuple[str, str]:
    """The one line the run (StackDefinition.load) and the lint's reader give for the folder."""
    with pytest.raises(StackConfigError) as run:
        StackDefinition.load(stack)
    from trading_harness.lint.runner import lint
    with pytest.raises(StackConfigError) as linted:
        lint(stack)
    return str(run.value), str(linted.value)


def test_alias_bomb_is_refused_fast_in_bounded_memory(tmp_path):
    stack = _copy_stack(tmp_path)
    compose = stack / "docker-compose.yml"
    compose.write_text(ALIAS_BOMB + compose.read_text())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.monotonic()
    run, linted = _both(stack)
    assert time.monotonic() - began < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB
    for line in (run, linted):
        assert str(compose) in line and "200000 nodes" in line and "\n" not in line


def test_deep_nesting_and_size_are_refused(tmp_path):
    deep = tmp_path / "deep.yml"
    deep.write_text("a: " + "[" * 200 + "]" * 200 + "\n")
    with pytest.raises(StackConfigError, match=r"docker-compose.yml:1: nested deeper than 64"):
        StackLayout.read(_with_compose(tmp_path / "s1", deep.read_text()))
    big = _with_compose(tmp_path / "s2", "services: {}\n# " + "x" * (bounded.YAML_LIMIT + 1) + "\n")
    with pytest.raises(StackConfigError, match="over the limit of"):
        compose_services(big / "docker-compose.yml")


def _with_compose(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "docker-compose.yml").write_text(text)
    return folder


def test_non_utf8_acl_line_names_file_line_and_byte(tmp_path):
    stack = _copy_stack(tmp_path)
    acl = stack / "cache" / "acl.conf"
    lines = acl.read_bytes().splitlines(keepends=True)
    lines.insert(2, b"user caf\xe9 on >pw ~* +@all\n")
    acl.write_bytes(b"".join(lines))
    run, linted = _both(stack)
    assert run == linted
    assert f"{acl}:3: byte 9 of the line (0xe9) is not UTF-8" in run


def test_symlink_loop_on_the_acl_file(tmp_path):
    stack = _copy_stack(tmp_path)
    acl = stack / "cache" / "acl.conf"
    acl.unlink()
    os.symlink(acl.name, acl)  # points at itself
    run, linted = _both(stack)
    assert run == linted and str(acl) in run and "symlink loop" in run


def test_looping_sql_file(tmp_path):
    stack = _copy_stack(tmp_path)
    init = next(p.parent for p in stack.rglob("*.sql"))
    loop = init / "99-loop.sql"
    os.symlink(loop.name, loop)
    run, linted = _both(stack)
    assert run == linted and str(loop) in run and "symlink loop" in run


def test_a_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "users.acl"
    os.mkfifo(fifo)
    with pytest.raises(StackConfigError, match="not a regular file"):
        bounded.read_text(fifo)


# -- the ecosystem stack: classification and inference without a profile file ----------------------
ECOSYSTEM = ROOT / "tests" / "stacks" / "ecosystem"


def test_ecosystem_stack_is_classified_from_what_runs():
    definition = StackDefinition.load(ECOSYSTEM)
    categories = {n: s.category for n, s in definition.services.items()}
    assert categories == {
        "redis": "redis", "postgres": "postgres", "redis-exporter": "exporter", "postgres-exporter": "exporter",
        "prometheus": "prometheus", "grafana": "third-party", "jaeger": "third-party", "otel-collector": "third-party",
        "service-registry": "application", "exchange-simulator": "application", "custodian-simulator": "application",
        "market-data-simulator": "application", "audit-correlator": "application",
        "trading-system-engine": "application", "test-coordinator": "application", "risk-monitor": "application",
        "order-router": "application"}
    engine = definition.services["trading-system-engine"].application
    assert engine.redis_users == ("trading-svc",) and engine.postgres_users == ("trading_svc",)
    assert definition.services["order-router"].application.grpc_port is None
    assert definition.services["exchange-simulator"].application.grpc_port == 9090
    assert definition.services["service-registry"].application.health_path == "/health"


def test_ecosystem_profile_is_inferred_without_ambiguity():
    profile = StackDefinition.load(ECOSYSTEM).profile
    assert profile.services == {"redis": "redis", "postgres": "postgres", "registry": "service-registry"}
    assert profile.users == {"admin": "admin", "monitor": "observer", "healthcheck": "health-probe",
                             "registry": "registry-svc"}
    assert profile.role("monitor") == "observer_ro", "a role granted audit and audit_correlator is audit's, not a monitor"
    assert (profile.domain("audit").role, profile.domain("audit_correlator").role) == ("audit_svc", "audit_svc")
    assert profile.domain("audit").services == ["audit-correlator"]
    assert profile.domain("exchange").redis_user == "exchange-svc" and profile.domain("trading").role == "trading_svc"


def test_grafana_admin_is_no_redis_user_and_exporters_are_not_servers():
    layout = StackLayout.read(ECOSYSTEM)
    assert [s.name for s in layout.of_kind("redis")] == ["redis"]
    assert [s.name for s in layout.of_kind("postgres")] == ["postgres"]
    assert of_service(layout.services["grafana"]) == []
    assert of_service(layout.services["postgres-exporter"]) == []
    engine = {(c.system, c.user) for c in of_service(layout.services["trading-system-engine"])}
    assert engine == {("redis", "trading-svc"), ("postgres", "trading_svc")}


def test_passwords_are_registered_and_user_names_are_not(monkeypatch):
    from trading_harness import masking
    registered = []
    monkeypatch.setattr("trading_harness.definition.register_secret", registered.append)
    StackDefinition.load(ECOSYSTEM)
    assert "grafana-admin-pw-88f" in registered and "trading-db-pw-4ac" in registered
    assert not {"admin", "trading-svc", "trading_svc", "health-probe"} & set(registered)
    assert masking  # the module the definition registers with


# -- the embedded target's plan: stand-ins and services left out -----------------------------------
def test_embedded_plan_stands_in_reference_simulators_and_leaves_out_the_rest():
    from trading_harness.targets import local_plan
    plan = local_plan.plan(StackDefinition.load(ECOSYSTEM))
    assert plan.stand_ins == {"service-registry": "simulators.registry", "exchange-simulator": "simulators.exchange",
                              "custodian-simulator": "simulators.custodian",
                              "market-data-simulator": "simulators.market_data",
                              "audit-correlator": "simulators.audit_correlator",
                              "trading-system-engine": "simulators.strategy_engine",
                              "test-coordinator": "simulators.test_coordinator", "risk-monitor": "simulators.risk_monitor"}
    assert {"grafana", "jaeger", "otel-collector", "redis-exporter", "postgres-exporter"} <= set(plan.left_out)
    assert "Grafana: image grafana/grafana:10.2.0" in plan.left_out["grafana"]
    engine = plan.run["trading-system-engine"]
    assert engine.command == ["python", "-m", "simulators.strategy_engine"]
    assert engine.environment["REDIS_URL"] == "redis://trading-svc:trading-pw-39b@redis:6379/0"
    assert engine.grpc_port == 50053 and engine.audit_port == 8090 and "exchange-simulator" in engine.depends_on
    assert all("grafana" not in s.depends_on for s in plan.run.values())
    assert local_plan.plan(StackDefinition.load(ROOT / "stack")).notes() == [], "the reference stack runs as itself"


def test_a_stand_in_without_its_peers_is_left_out_with_the_reason():
    from trading_harness.definition import with_services
    from trading_harness.targets import local_plan
    definition = with_services(StackDefinition.load(ECOSYSTEM), ["test-coordinator"])
    plan = local_plan.plan(definition)
    assert "test-coordinator" in plan.left_out and "MARKET_DATA_AUDIT_URL" in plan.left_out["test-coordinator"]


# -- the compose target: build contexts against the compose file's folder ---------------------------
def test_build_contexts_resolve_against_the_compose_folder_and_narrow():
    from trading_harness.errors import HarnessError
    from trading_harness.images.build import image_specs
    compose = ECOSYSTEM / "compose.yaml"
    with pytest.raises(HarnessError) as missing:
        image_specs(compose)
    line = str(missing.value)
    assert str(ROOT / "tests" / "stacks" / "exchange-simulator-go" / "Dockerfile") in line and "\n" not in line
    assert image_specs(compose, {"redis", "postgres"}) == [], "HARNESS_SERVICES narrows the builds"
    reference = {s.name: s.context for s in image_specs(ROOT / "stack" / "docker-compose.yml")}
    assert reference["trading-harness/simulators:dev"] == ROOT


def test_a_copy_of_the_stack_builds_from_the_checkout_unless_its_dockerfile_is_its_own(tmp_path):
    """A broken variant is a copy of stack/ in a folder of its own: its `..` holds the copy's Dockerfile but none of
    the simulators' sources. Unchanged, it builds from the checkout; changed, from the copy's own folder."""
    import shutil

    from trading_harness.images.build import image_specs
    copy = tmp_path / "stack"
    shutil.copytree(ROOT / "stack", copy)
    contexts = {s.name: s.context for s in image_specs(copy / "docker-compose.yml")}
    assert contexts["trading-harness/simulators:dev"] == ROOT
    (copy / "Dockerfile").write_text((copy / "Dockerfile").read_text() + "\nLABEL team=own\n")
    contexts = {s.name: s.context for s in image_specs(copy / "docker-compose.yml")}
    assert contexts["trading-harness/simulators:dev"] == tmp_path
