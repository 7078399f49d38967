"""On compose as on embedded, scenarios fail against a broken stack: one variant per area (Redis ACL,
PostgreSQL SQL, a simulator fault, a simulator without gRPC), and pass against the intact one.

The variants are those of test_suite_can_fail.py and test_simulators_can_fail.py, run with
`--target compose`: the broken copy of stack/ is bind-mounted (users.acl, init SQL) or sets the
containers' environment (SIMULATOR_FAULTS). Skipped where no Docker engine answers.
"""
from __future__ import annotations

import json

import pytest

from trading_harness.errors import HarnessError

from ..can_fail.test_simulators_can_fail import VARIANTS
from ..can_fail.test_suite_can_fail import BROKEN_STACKS, INFRASTRUCTURE_ONLY, _apply
from ..variants import Variant, assert_all_pass_in_own_run, assert_fails

STACK_VARIANTS = {"acl": "acl-grants-every-namespace", "sql": "table-missing-its-check"}
SIMULATOR_VARIANTS = {"simulator-fault": "client-errors-as-500", "grpc": "no-grpc-server",
                      "shutdown": "slow-to-exit-on-sigterm"}


@pytest.fixture(scope="module", autouse=True)
def engine():
    from trading_harness.docker_engine import preflight
    try:
        return preflight()
    except HarnessError as exc:
        pytest.skip(f"no Docker engine for the compose target: {exc}")


@pytest.fixture
def on_compose(run_features):
    return lambda *args, **kwargs: run_features("--target", "compose", *args, **kwargs)


def _as_variant(name: str) -> Variant:
    edits, selection = BROKEN_STACKS[name]
    return Variant([lambda root, edits=edits: _apply(root, edits)], selection, INFRASTRUCTURE_ONLY["HARNESS_SERVICES"])


def _attached_logs(result) -> dict[str, str]:
    """Allure attachment name -> content, for the service log tails of failed scenarios."""
    found = {}
    for path in result.allure.glob("*-result.json"):
        for attachment in json.loads(path.read_text()).get("attachments", []):
            if " log (last " in attachment["name"]:
                found[attachment["name"]] = (result.allure / attachment["source"]).read_text()
    return found


@pytest.mark.slow
@pytest.mark.parametrize("area", sorted(STACK_VARIANTS))
def test_stack_variant_fails_on_compose(area, on_compose, stack_copy):
    assert_fails(_as_variant(STACK_VARIANTS[area]), on_compose, stack_copy)


@pytest.mark.slow
@pytest.mark.parametrize("area", sorted(SIMULATOR_VARIANTS))
def test_simulator_variant_fails_on_compose_with_the_container_logs_attached(area, on_compose, stack_copy):
    result = assert_fails(VARIANTS[SIMULATOR_VARIANTS[area]], on_compose, stack_copy)
    logs = _attached_logs(result)
    assert "exchange-simulator log (last 40 lines)" in logs, sorted(logs)
    assert '"service": "exchange-simulator"' in logs["exchange-simulator log (last 40 lines)"], "the container's own log"


@pytest.mark.slow
def test_the_same_scenarios_pass_on_intact_compose(on_compose):
    variants = {**{a: _as_variant(n) for a, n in STACK_VARIANTS.items()},
                **{a: VARIANTS[n] for a, n in SIMULATOR_VARIANTS.items()}}
    assert_all_pass_in_own_run(variants, on_compose, timeout=400)
