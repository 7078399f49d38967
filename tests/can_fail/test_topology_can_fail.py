"""Every TSE-0002 topology scenario fails against a broken compose file, generator or audit correlator.

Compose and topology-file defects are edits of a stack/ copy; generator defects are
tests/broken_harness.py (HARNESS_COMMAND); the correlator's is SIMULATOR_FAULTS=topology-nodes-only.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..tool_variants import ToolVariant, assert_tool_variant_fails, assert_tool_variants_pass
from ..variants import env, fault, text, uncovered_scenarios, without, without_env

AUDIT = "audit-correlator"
TOPOLOGY = "config/topology.json"


def stale_topology_file(root: Path) -> None:
    """The committed topology.json from before a change of the compose file: one edge short."""
    path = root / TOPOLOGY
    topology = json.loads(path.read_text())
    topology["edges"] = [e for e in topology["edges"] if e["id"] != "exchange-okx->market-data-simulator"]
    path.write_text(json.dumps(topology, indent=2, sort_keys=True) + "\n")
    env(AUDIT, TOPOLOGY_FILE=str(path))(root)


VARIANTS = {
    "generator-drops-a-node": ToolVariant("one_node_per_service", defect="topology-drops-a-node"),
    "generator-dangling-edge": ToolVariant("one_edge_per_connected_pair", defect="topology-dangling-edge"),
    "compose-port-moved": ToolVariant("carries_its_kind and exchange-okx",
                                      changes=[text("docker-compose.yml", "127.0.0.1:8087:8080", "127.0.0.1:8089:8080")]),
    "compose-without-depends-on": ToolVariant("source_connects_to_target and service-registry-redis",
                                              changes=[without("service-registry", "depends_on")]),
    "compose-without-peer-setting": ToolVariant(
        "source_connects_to_target and exchange-okx",
        changes=[without_env("exchange-okx", "MARKET_DATA_SERVICE")]),
    "generator-unsorted": ToolVariant("valid_and_the_same", defect="topology-unsorted"),
    "generator-invalid": ToolVariant("valid_and_the_same", defect="topology-invalid"),
    "correlator-serves-nodes-only": ToolVariant("serves_the_generated_topology",
                                                changes=[fault(AUDIT, "topology-nodes-only")], services=AUDIT),
    "correlator-serves-a-stale-file": ToolVariant("serves_the_generated_topology", changes=[stale_topology_file],
                                                  services=AUDIT),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_topology_scenario_fails_against_broken_tool(name, run_features, stack_copy):
    assert_tool_variant_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_topology_scenarios_pass_against_the_intact_tools(run_features, stack_copy):
    assert_tool_variants_pass(VARIANTS, run_features, stack_copy, minimum=8)  # the selections name 8 scenarios


def test_every_topology_scenario_has_a_broken_variant():
    topology = ("test_the_topology_has", "test_the_service_node_carries", "test_source_connects_to_target",
                "test_the_generated_topologyjson", "test_the_audit_correlator_serves_the_generated")
    uncovered = [s for s in uncovered_scenarios("orchestrator", VARIANTS, minimum=15) if s.startswith(topology)]
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"


def test_the_committed_topology_is_the_one_the_compose_file_gives(tmp_path):
    """stack/config/topology.json (what the correlator serves) is regenerated after every compose change."""
    from trading_harness.cli.main import main
    assert main(["topology", "--check", str(Path(__file__).resolve().parents[2] / "stack" / TOPOLOGY)]) == 0, \
        "run: harness topology -o stack/config/topology.json"
