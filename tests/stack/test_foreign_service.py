"""A service the harness has never seen (tests/services/order_router.py: aiohttp, no gRPC, its own log
fields, metrics at /api/v1/metrics) is checked by the bootstrap criteria under its own name: the
conforming service passes every scenario of features/services/application_services.feature, and each
broken variant fails the scenario of the criterion it breaks, and only that one."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from steps.probes.application_services import application_services
from trading_harness.definition import StackDefinition, with_services

from ..conftest import STACK
from ..services.router_variants import BROKEN, SCENARIOS

ROUTER = "order-router"
SELECTION = "every_application_service or no_application_service_logs"  # features/services/application_services.feature


def order_router(**environment: str) -> dict:
    """A compose service of the ecosystem's contract, built from this repository, in the risk domain's adapter."""
    return {
        "build": {"context": "..", "dockerfile": "stack/Dockerfile"},
        "image": "trading-harness/simulators:dev",
        "restart": "unless-stopped",
        "command": ["python", "-m", "tests.services.order_router"],
        "environment": {
            "SERVICE_NAME": ROUTER, "SERVICE_VERSION": "0.3.1", "SERVICE_INSTANCE_NAME": ROUTER,
            "HTTP_PORT": "8095", "LOG_FORMAT": "json", "LOG_LEVEL": "info",
            "CACHE_NAMESPACE": "risk", "POSTGRES_SCHEMA": "risk",
            "REDIS_URL": "redis://risk-adapter:risk-pass@redis:6379/0",
            "DATABASE_URL": "postgres://risk_adapter:risk-adapter-db-pass@postgres:5432/trading_ecosystem?sslmode=disable",
            **environment,
        },
        "labels": {"harness.health": "/api/v1/health"},
        "ports": ["127.0.0.1:8095:8095"],
        "depends_on": {"redis": {"condition": "service_healthy"}, "postgres": {"condition": "service_healthy"}},
    }


def stack_with_router(tmp_path: Path, **environment: str) -> Path:
    import shutil
    root = tmp_path / "stack"
    shutil.copytree(STACK, root)
    compose = root / "docker-compose.yml"
    doc = yaml.safe_load(compose.read_text())
    doc["services"][ROUTER] = order_router(**environment)
    compose.write_text(yaml.safe_dump(doc, sort_keys=False))
    return root


def failed_scenarios(result) -> set[str]:
    outcomes = result.outcomes()
    assert len(outcomes) == len(SCENARIOS), result.output[-3000:]
    return {key for key, fragment in SCENARIOS.items()
            for name, state in outcomes.items() if fragment in name and state == "failed"}


def test_the_router_is_an_application_service_of_the_stack(tmp_path):
    definition = StackDefinition.load(stack_with_router(tmp_path))
    assert ROUTER in application_services(SimpleNamespace(definition=definition))
    narrowed = with_services(definition, [ROUTER])  # what the steps see with HARNESS_SERVICES=order-router
    assert application_services(SimpleNamespace(definition=narrowed)) == [ROUTER]


def test_the_conforming_router_passes_every_bootstrap_criterion_by_its_name(tmp_path, run_features):
    result = run_features("--stack-dir", str(stack_with_router(tmp_path)), "-k", SELECTION,
                          env={"HARNESS_SERVICES": ROUTER}, timeout=300)
    outcomes = result.outcomes()
    assert len(outcomes) == len(SCENARIOS) and set(outcomes.values()) == {"passed"}, result.output[-4000:]
    assert result.returncode == 0


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_a_broken_router_fails_the_scenario_of_the_criterion_it_breaks(tmp_path, run_features, variant):
    environment, broken = BROKEN[variant]
    result = run_features("--stack-dir", str(stack_with_router(tmp_path, **environment)), "-k", SELECTION,
                          env={"HARNESS_SERVICES": ROUTER}, timeout=300)
    assert failed_scenarios(result) == broken, result.output[-4000:]
    assert result.returncode == 1
    assert f"{ROUTER}: " in result.output, "the failure names the service"
