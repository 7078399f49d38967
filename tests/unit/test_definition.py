"""The stack definition loader: what it reads, and how it says what is wrong."""
from __future__ import annotations

import pytest

from trading_harness.definition import StackDefinition, parse_duration
from trading_harness.errors import StackConfigError
from trading_harness.targets.embedded import shutdown_order, startup_order

from ..conftest import STACK, edit


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("500ms", 0.5), ("2m", 120), ("1.5", 1.5), (3, 3.0)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "fast", "10 parsecs", "-1s"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_reads_users_roles_and_services():
    d = StackDefinition.load(STACK)
    assert {"redis", "postgres", "service-registry"} <= set(d.services)
    assert d.redis_users["default"].enabled is False
    assert d.redis_users["exchange-adapter"].key_patterns == ["exchange:*"]
    assert d.redis_password("exchange-adapter") == "exchange-pass"
    assert d.postgres_password("exchange_adapter") == "exchange-adapter-db-pass"
    # seven domain adapters plus the two named exchange instances (TSE-0001.12.0)
    assert len([r for r in d.postgres.roles if r.endswith("_adapter")]) == 9
    assert d.postgres.database == "trading_ecosystem"
    assert d.time["service_ttl"] < 90, "the embedded stack runs the registry TTL in compressed time"


def test_startup_order_follows_depends_on():
    d = StackDefinition.load(STACK)
    waves = startup_order(d.services)
    flat = [name for wave in waves for name in wave]
    for name, spec in d.services.items():
        for dependency in spec.depends_on:
            assert flat.index(dependency) < flat.index(name)


def test_shutdown_stops_the_applications_together_then_what_they_need_dependants_first():
    d = StackDefinition.load(STACK)
    shared = {d.profile.service(part) for part in ("redis", "postgres", "registry")}
    waves = shutdown_order(d.services, shared)
    flat = [name for wave in waves for name in wave]
    assert sorted(flat) == sorted(d.services)
    assert "exchange-simulator" in waves[0] and "risk-monitor" in waves[0] and not shared & set(waves[0])
    for name in waves[0]:  # every service the shared ones do not need
        assert not any(name in d.services[s].depends_on for s in shared)
    later = flat[len(waves[0]):]
    for name in later:  # the rest: dependants before what they depend on
        for dependency in d.services[name].depends_on:
            assert later.index(dependency) > later.index(name)
    assert later.index("service-registry") < later.index("redis")


@pytest.mark.parametrize("breakage, message", [
    (("docker-compose.yml", "services:", "services: [oops"), "is not valid YAML"),
    (("docker-compose.yml", "POSTGRES_PASSWORD", "POSTGRES_PASS"), "needs POSTGRES_PASSWORD"),
    (("embedded.toml", "service_ttl = 1.5", "service_ttl = \"soon\""), "service_ttl: not a duration"),
    (("embedded.toml", "[time]", "[time]\nwarp_factor = 9"), "unknown time constant 'warp_factor'"),
    (("redis/users.acl", "user default", "usr default"), "expected 'user <name> <rules...>'"),
], ids=["yaml", "postgres-env", "duration", "unknown-constant", "acl-syntax"])
def test_bad_definition_names_file_and_cause(stack_copy, breakage, message):
    root = stack_copy()
    file, old, new = breakage
    edit(root / file, old, new)
    with pytest.raises(StackConfigError, match=message) as info:
        StackDefinition.load(root)
    assert str(root) in str(info.value), "the message names the file to fix"


def test_missing_file_is_named(stack_copy):
    root = stack_copy()
    (root / "redis" / "users.acl").unlink()
    with pytest.raises(StackConfigError, match="users.acl is missing"):
        StackDefinition.load(root)


def test_unknown_user_is_named():
    with pytest.raises(StackConfigError, match="no Redis user 'nobody'"):
        StackDefinition.load(STACK).redis_password("nobody")
