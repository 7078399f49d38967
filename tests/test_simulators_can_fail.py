"""Every simulator contract's scenario fails against a simulator broken in exactly that contract.

The variants are the same code started with a deliberate fault (SIMULATOR_FAULTS, see
simulators/common/settings.py) or a different setting, set in a copy of the compose file.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

# name: (service, environment overrides, labels overrides, -k selection that must fail, services to run)
VARIANTS = {
    "never-heartbeats": (
        "exchange-simulator", {"SIMULATOR_FAULTS": "no-heartbeat"}, {},
        "test_heartbeats_keep_the_service_discoverable_beyond_its_ttl and exchange-simulator", "exchange-simulator"),
    "health-answers-500": (
        # The harness waits for /metrics instead, so the stack starts and the health scenario runs.
        "exchange-simulator", {"SIMULATOR_FAULTS": "health-500"}, {"harness.health": "/metrics"},
        "test_the_service_answers_its_rest_health_check and exchange-simulator", "exchange-simulator"),
    "metrics-label-full-path": (
        "exchange-simulator", {"SIMULATOR_FAULTS": "metrics-full-path"}, {},
        "route_pattern and exchange-simulator", "exchange-simulator"),
    "keeps-registration-on-sigterm": (
        "exchange-simulator", {"SIMULATOR_FAULTS": "no-deregister"}, {},
        "test_on_sigterm_the_service_deregisters and exchange-simulator", "exchange-simulator"),
    "ready-while-postgres-down": (
        "exchange-simulator", {"SIMULATOR_FAULTS": "ready-ignores-postgres"}, {},
        "test_the_service_degrades_while_dependency_is_down and exchange-simulator and postgres", "exchange-simulator"),
    "breaker-never-opens": (
        "exchange-simulator", {"CIRCUIT_BREAKER_FAILURES": "1000"}, {},
        "circuit_breaker and exchange-simulator", "exchange-simulator,market-data-simulator"),
}


def set_service(root: Path, service: str, environment: dict[str, str], labels: dict[str, str]) -> None:
    """Override environment variables and labels of one service in a copy of the compose file."""
    path = root / "docker-compose.yml"
    doc = yaml.safe_load(path.read_text())
    spec = doc["services"][service]
    for key, value in environment.items():
        assert spec["environment"].get(key) != value, f"{service} already has {key}={value}: the variant breaks nothing"
        spec["environment"][key] = value
    spec.setdefault("labels", {}).update(labels)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_simulator(name, run_features, stack_copy):
    service, environment, labels, selection, services = VARIANTS[name]
    root = stack_copy()
    set_service(root, service, environment, labels)
    result = run_features("--stack-dir", str(root), "-k", selection, env={"HARNESS_SERVICES": services})
    outcomes = result.outcomes()
    assert outcomes, f"'{selection}' selects no scenario:\n{result.output[-2000:]}"
    assert result.returncode == 1, result.output[-3000:]
    assert set(outcomes.values()) == {"failed"}, outcomes


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_simulators(run_features):
    selection = " or ".join(f"({selection})" for *_, selection, _ in VARIANTS.values())
    services = ",".join(sorted({s for *_, s in VARIANTS.values() for s in s.split(",")}))
    result = run_features("-k", selection, env={"HARNESS_SERVICES": services})
    outcomes = result.outcomes()
    assert len(outcomes) >= len(VARIANTS), outcomes
    assert result.returncode == 0, result.output[-3000:]
    assert set(outcomes.values()) == {"passed"}, outcomes
