"""The stack profile: read from stack/profile.toml, inferred from a foreign folder, overridden, and
one line naming the key to set when a name is ambiguous."""
from __future__ import annotations

import shutil

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.errors import StackConfigError

from ..conftest import REPO, STACK, edit

RENAMED = REPO / "tests" / "stacks" / "renamed"
SEVEN = ("market_data", "exchange", "custodian", "risk", "trading", "test_coordination", "audit")


def test_the_reference_stack_carries_its_profile():
    profile = StackDefinition.load(STACK).profile
    assert profile.domain("market_data").redis_user == "market-data-adapter"
    assert profile.domain("exchange").role == "exchange_adapter"
    assert profile.users == {"healthcheck": "healthcheck", "registry": "registry", "monitor": "monitor", "admin": "admin"}
    assert profile.role("monitor") == "monitor_user"
    assert profile.service("registry") == "service-registry"
    assert "profile.toml" in profile.origin


def test_the_reference_names_are_inferred_without_the_file(stack_copy):
    root = stack_copy()
    (root / "profile.toml").unlink()
    inferred, written = StackDefinition.load(root).profile, StackDefinition.load(STACK).profile
    for name in SEVEN:
        assert inferred.domain(name).redis_user == written.domain(name).redis_user
        assert inferred.domain(name).namespace == written.domain(name).namespace
        assert inferred.domain(name).role == written.domain(name).role
    assert inferred.users == written.users and inferred.services == written.services


def test_a_foreign_folder_is_inferred_from_its_acl_sql_and_compose():
    d = StackDefinition.load(RENAMED)
    p = d.profile
    assert p.services == {"redis": "cache", "postgres": "db", "registry": "registry"}
    assert p.users == {"admin": "root", "monitor": "observer", "healthcheck": "probe", "registry": "discovery"}
    assert p.role("monitor") == "readonly" and p.superuser == "dbowner" and p.database == "trading_ecosystem"
    expected = {"exchange": ("svc.exchange", "xchg", "app_exchange"), "market_data": ("svc.market-data", "md", "app_market_data"),
                "risk": ("svc.risk", "rsk", "app_risk"), "test_coordination": ("svc.test-coordination", "tco",
                                                                               "app_test_coordination")}
    for name, (user, namespace, role) in expected.items():
        domain = p.domain(name)
        assert (domain.redis_user, domain.namespace, domain.role, domain.schema) == (user, namespace, role, name)
    assert p.domain("exchange").services == ["exchange-simulator"]
    assert d.redis_conf.name == "cache.conf" and d.acl_file.name == "acl.conf" and d.init_dir.name == "init"
    assert d.postgres_conf is None, "no postgresql.conf mounted: the server's defaults"


@pytest.fixture
def renamed_copy(tmp_path):
    target = tmp_path / "renamed"
    shutil.copytree(RENAMED, target)
    return target


def test_an_ambiguous_name_stops_with_the_key_to_set(renamed_copy):
    edit(renamed_copy / "cache" / "acl.conf", "user svc.risk on", "user svc.risk-two on >x ~rsk2:* +ping\nuser svc.risk on")
    with pytest.raises(StackConfigError) as info:
        StackDefinition.load(renamed_copy)
    message = str(info.value)
    assert "\n" not in message
    assert "svc.risk, svc.risk-two" in message and "set [domains.risk] redis_user" in message
    assert str(renamed_copy / "profile.toml") in message


def test_a_profile_file_in_the_folder_resolves_the_ambiguity(renamed_copy):
    edit(renamed_copy / "cache" / "acl.conf", "user svc.risk on", "user svc.risk-two on >x ~rsk2:* +ping\nuser svc.risk on")
    (renamed_copy / "profile.toml").write_text('[domains.risk]\nredis_user = "svc.risk-two"\nnamespace = "rsk2"\n')
    profile = StackDefinition.load(renamed_copy).profile
    assert (profile.domain("risk").redis_user, profile.domain("risk").namespace) == ("svc.risk-two", "rsk2")
    assert profile.domain("exchange").redis_user == "svc.exchange", "the rest stays inferred"


def test_profile_option_overrides_the_folder(renamed_copy, tmp_path):
    (renamed_copy / "profile.toml").write_text('[users]\nadmin = "root"\n')
    option = tmp_path / "mine.toml"
    option.write_text('[users]\nmonitor = "root"\n[roles]\nmonitor = "app_audit"\n')
    profile = StackDefinition.load(renamed_copy, option).profile
    assert profile.user("monitor") == "root" and profile.role("monitor") == "app_audit"


@pytest.mark.parametrize("text, message", [
    ("[userz]\nadmin = 'x'\n", "unknown table [userz]"),
    ("[users]\nroot = 'x'\n", "[users] root is unknown"),
    ("[domains.risk]\nuser = 'x'\n", "[domains.risk] user is unknown"),
    ("[users\n", "is not valid TOML"),
])
def test_a_bad_profile_file_is_one_line(renamed_copy, tmp_path, text, message):
    option = tmp_path / "bad.toml"
    option.write_text(text)
    with pytest.raises(StackConfigError, match=message.replace("[", r"\[")) as info:
        StackDefinition.load(renamed_copy, option)
    assert str(option) in str(info.value)


def test_a_missing_name_fails_with_the_key_to_set(renamed_copy):
    (renamed_copy / "profile.toml").write_text("")
    edit(renamed_copy / "cache" / "acl.conf", "user probe on >probe-secret -@all +ping +info\n", "")
    profile = StackDefinition.load(renamed_copy).profile
    with pytest.raises(StackConfigError, match=r"no Redis healthcheck user: set \[users\] healthcheck in"):
        profile.user("healthcheck")


def test_credentials_can_be_overridden_per_user(monkeypatch):
    d = StackDefinition.load(RENAMED)
    assert d.redis_password("svc.exchange") == "ex-cache-secret"
    d.override_credentials({"svc.exchange": "from-target-file"})
    assert d.redis_password("svc.exchange") == "from-target-file"
    monkeypatch.setenv("HARNESS_PASSWORD_APP_EXCHANGE", "from-env")
    assert d.postgres_password("app_exchange") == "from-env"


def test_a_hashed_acl_password_comes_from_the_compose_service(renamed_copy):
    import hashlib
    digest = hashlib.sha256(b"ex-cache-secret").hexdigest()
    edit(renamed_copy / "cache" / "acl.conf", "svc.exchange on >ex-cache-secret", f"svc.exchange on #{digest}")
    d = StackDefinition.load(renamed_copy)
    assert d.redis_password("svc.exchange") == "ex-cache-secret"
    with pytest.raises(StackConfigError, match="HARNESS_PASSWORD_NOBODY"):
        d.postgres_password("nobody")
