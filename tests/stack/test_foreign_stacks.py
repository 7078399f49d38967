"""Stacks that are not the harness's own copy: a renamed stack on the embedded target, and a
partial deployment (Redis and PostgreSQL only) on the external target."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.targets.embedded import EmbeddedStack

from ..conftest import REPO, STACK, RunResult, features_run_in

RENAMED = REPO / "tests" / "stacks" / "renamed"
STRICT = {"HARNESS_GATE_ALLOW_INCOMPLETE": "0"}

# The renamed stack's three milestones run together: one start of the stack and one collection (51 s, against
# 72 s for three runs). Their tests share a worker, and so the run (tests/tiers.py, module_group).
RENAMED_MILESTONES = ("orchestrator/TSE-0001.3a", "orchestrator/TSE-0001.4", "orchestrator/TSE-0001.12.0")


@pytest.fixture(scope="module")
def renamed_run(tmp_path_factory) -> tuple[RunResult, Path]:
    """`pytest features/ --stack-dir tests/stacks/renamed` on its three milestones, strict: (result, reports)."""
    tmp = tmp_path_factory.mktemp("renamed")
    milestones = [arg for key in RENAMED_MILESTONES for arg in ("--milestone", key)]
    return features_run_in(tmp, "--stack-dir", str(RENAMED), *milestones, env=STRICT, timeout=900), tmp / "reports"


def _gate_row(reports: Path, key: str) -> dict:
    gate = json.loads((reports / "gate.json").read_text())
    return next(row for row in gate["milestones"] if row["key"] == key)


def test_a_renamed_stack_passes_core_infrastructure(renamed_run):
    """Other user, role, namespace and service names, jsonb health functions and other columns:
    TSE-0001.3a, its observability included, passes with no failure; only the reference stack's
    @hardening checks are advisories."""
    result, reports = renamed_run
    row = _gate_row(reports, "orchestrator/TSE-0001.3a")
    assert result.returncode == 0, result.output[-4000:]
    assert (row["verdict"], row["failed"], row["skipped"]) == ("PASS", 0, 0), row
    assert row["passed"] >= 190, row
    failed = [name for name, state in result.outcomes().items() if state == "failed"]
    assert all("neither_read_nor_list" in name for name in failed), failed  # @hardening advisories only
    page = (reports / "living-docs" / "index.html").read_text()
    assert "<code>svc.market-data</code>" in page and "<code>app_market_data</code>" in page, "the docs show the names"


@pytest.fixture
def partial_deployment(tmp_path):
    """Redis and PostgreSQL of the reference stack, running, and a target file that lists only them."""
    running = EmbeddedStack.up(StackDefinition.load(STACK), only=["redis", "postgres"])
    try:
        redis, postgres = running.address("redis"), running.address("postgres")
        target = tmp_path / "target.toml"
        target.write_text(f'[services]\nredis = "{redis.host}:{redis.port}"\npostgres = "{postgres.host}:{postgres.port}"\n')
        yield target
    finally:
        running.close()


def test_a_partial_deployment_runs_what_it_has_and_skips_the_rest(run_features, partial_deployment):
    result = run_features("--target", "external", "--target-file", str(partial_deployment),
                          "--milestone", "orchestrator/TSE-0001.3a", "-rs", timeout=600)
    outcomes = result.outcomes()
    assert "failed" not in outcomes.values() and "error" not in outcomes.values(), result.output[-4000:]
    ran = {name for name, state in outcomes.items() if state == "passed"}
    skipped = {name for name, state in outcomes.items() if state == "skipped"}
    assert any("domain_adapter_can_set" in n for n in ran) and any("health_check" in n for n in ran), ran
    assert any("registry" in n for n in skipped) and any("configuration" in n for n in skipped), skipped
    assert "does not list service 'service-registry'" in result.output, result.output[-3000:]
    assert 'add [services] "service-registry" = "host:port"' in result.output


def test_a_renamed_stack_passes_data_adapters(renamed_run):
    """The simulators run with the renamed stack's users, roles and namespaces; TSE-0001.4 passes."""
    result, reports = renamed_run
    row = _gate_row(reports, "orchestrator/TSE-0001.4")  # the run's exit status is the first test's
    assert (row["verdict"], row["failed"], row["skipped"]) == ("PASS", 0, 0), f"{row}\n{result.output[-3000:]}"
    assert row["passed"] >= 60, row


def test_a_renamed_stack_passes_multi_instance_infrastructure(renamed_run):
    """Its own volume step (prepare-dirs: STATE_ROOT, OWNER=uid:gid, SERVICES), mounts at /srv, an
    audit_correlator twin used by app_audit and readonly, a jsonb health_check() keyed by schema, its own
    updated_at trigger, and two exchange venues with their own schema, role, user and namespace:
    TSE-0001.12.0 passes with no failure and nothing skipped."""
    result, reports = renamed_run
    row = _gate_row(reports, "orchestrator/TSE-0001.12.0")  # the run's exit status is the first test's
    assert (row["verdict"], row["failed"], row["skipped"]) == ("PASS", 0, 0), f"{row}\n{result.output[-3000:]}"
    assert row["passed"] >= 31, row


def test_a_foreign_image_never_breaks_the_external_target(tmp_path):
    """A Go service's image is not something the harness knows how to run; attached to, it is only HTTP."""
    import shutil

    import yaml

    from trading_harness.errors import ServiceAbsent
    from trading_harness.targets import health
    from trading_harness.targets.external import ExternalStack

    root = tmp_path / "renamed"
    shutil.copytree(RENAMED, root)
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    compose["services"]["exchange-simulator"] = {"image": "ghcr.io/team/exchange-simulator-go:1.4",
                                                 "ports": ["127.0.0.1:18085:8080"]}
    (root / "docker-compose.yml").write_text(yaml.safe_dump(compose))
    target = tmp_path / "target.toml"
    target.write_text('[services]\n"exchange-simulator" = "127.0.0.1:1"\n')
    stack = ExternalStack.from_file(StackDefinition.load(root), target)
    assert stack.services == ["exchange-simulator"]
    assert not health.check(stack, "exchange-simulator").ok, "nothing listens there: unhealthy, not an error"
    with pytest.raises(ServiceAbsent, match=r'add \[services\] "cache"'):
        stack.address("cache")
