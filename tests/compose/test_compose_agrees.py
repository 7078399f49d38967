"""stack/docker-compose.yml parses, and describes the same topology the embedded stack runs."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest
import yaml

from trading_harness.definition import StackDefinition
from trading_harness.targets.embedded import EmbeddedStack, startup_order

from ..conftest import STACK


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((STACK / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def definition() -> StackDefinition:
    return StackDefinition.load(STACK)


def _mounts(service: dict) -> dict[str, str]:
    """container path -> host path (relative to stack/) of the bind mounts."""
    return {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", []) if v.startswith("./")}


def test_compose_is_v2_and_publishes_on_loopback_only(compose):
    assert "version" not in compose, "Compose V2 files have no version key"
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_redis_container_uses_the_files_the_embedded_stack_uses(compose, definition):
    mounts = _mounts(compose["services"]["redis"])
    conf_in_container = compose["services"]["redis"]["command"][-1]
    assert (STACK / mounts[conf_in_container]).resolve() == definition.redis_conf.resolve()
    acl_in_container = definition.redis_conf_value("aclfile")
    assert (STACK / mounts[acl_in_container]).resolve() == definition.acl_file.resolve()


def test_postgres_container_applies_the_same_init_scripts(compose, definition):
    mounts = _mounts(compose["services"]["postgres"])
    assert (STACK / mounts["/docker-entrypoint-initdb.d"]).resolve() == definition.init_scripts[0].parent.resolve()
    assert definition.postgres.database == "trading_ecosystem"


def test_healthchecks_use_credentials_that_exist(compose, definition):
    redis_check = " ".join(compose["services"]["redis"]["healthcheck"]["test"])
    assert f"--user healthcheck --pass {definition.redis_password('healthcheck')}" in redis_check
    registry_env = definition.services["service-registry"].environment
    url = urlparse(registry_env["REDIS_URL"])
    assert url.username == "registry" and url.password == definition.redis_password("registry")
    assert url.hostname == "redis" and url.port == definition.services["redis"].container_port
    assert int(registry_env["HTTP_PORT"]) == definition.services["service-registry"].container_port


def test_dependencies_are_health_gated(compose):
    """A service waits for a healthy dependency, or for a one-shot step (restart "no") to complete."""
    for name, service in compose["services"].items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            one_shot = str(compose["services"][dependency].get("restart")) == "no"
            wanted = "service_completed_successfully" if one_shot else "service_healthy"
            assert rule.get("condition") == wanted, f"{name} -> {dependency}"


def test_embedded_stack_runs_every_compose_service(definition):
    stack = EmbeddedStack.up(definition)
    try:
        compose = yaml.safe_load(definition.compose_file.read_text())["services"]
        assert set(stack.services) == {n for n, s in compose.items() if str(s.get("restart")) != "no"}
        assert all(stack.servers[n].running for n, s in compose.items() if str(s.get("restart")) == "no"), \
            "a one-shot step (init-volumes) ran to completion"
        assert all(stack.is_running(name) for name in stack.services)
        registry_env = stack.servers["service-registry"].environment()
        redis_port = stack.address("redis").port
        assert registry_env["REDIS_URL"].endswith(f"@127.0.0.1:{redis_port}/0"), "compose host:port localised"
        assert registry_env["HTTP_PORT"] == str(stack.address("service-registry").port)
        assert float(registry_env["SERVICE_TTL"].rstrip("s")) == stack.timing.service_ttl
        first = startup_order(definition.services)[0]
        assert {"postgres", "redis"} <= set(first) and "service-registry" not in first
    finally:
        stack.close()


def _runtime_prometheus(definition: StackDefinition, tmp_path) -> tuple[str, dict]:
    from trading_harness.targets.compose_file import runtime_compose

    doc = runtime_compose(definition, "p", {}, {}, data_dir=tmp_path / "data")
    source, _, target = doc["services"]["prometheus"]["volumes"][0].partition(":")
    return source, target


@pytest.mark.parametrize("bind", ["file", "folder"])
def test_compose_prometheus_scrapes_at_the_compressed_interval_from_a_copy(stack_copy, tmp_path, bind):
    root = stack_copy()
    if bind == "folder":
        compose = root / "docker-compose.yml"
        compose.write_text(compose.read_text().replace(
            "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", "./prometheus:/etc/prometheus:ro"))
    original = (root / "prometheus" / "prometheus.yml").read_text()
    definition = StackDefinition.load(root)
    source, target = _runtime_prometheus(definition, tmp_path)
    config_file = source if bind == "file" else f"{source}/prometheus.yml"
    config = yaml.safe_load(open(config_file).read())
    scrape = f"{round(definition.time['scrape_interval'] * 1000)}ms"
    assert config["global"]["scrape_interval"] == scrape and config["global"]["evaluation_interval"] == scrape
    assert target.startswith("/etc/prometheus") and target.endswith(":ro")
    assert source.startswith(str(tmp_path / "data"))
    assert (root / "prometheus" / "prometheus.yml").read_text() == original  # the stack's file is never written
    targets = [t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]]
    assert "service-registry:8080" in targets  # names resolve on the compose network, unchanged
