"""The chaos scenario definitions and the `harness scenario` command, without a stack."""
from __future__ import annotations

import subprocess
import sys

import pytest

from simulators.audit_correlator.chaos import correlate
from simulators.test_coordinator.scenarios import Clock, ScenarioError, load_dir, parse

from ..conftest import REPO

CLOCK = Clock(tick=0.05, cycle=0.1)
SIX = {"market-crash", "stablecoin-depeg", "exchange-downtime", "settlement-failure", "strategy-malfunction",
       "feed-disruption"}


def test_the_six_seed_scenarios_load_with_one_injection_each():
    scenarios = load_dir(REPO / "stack" / "scenarios", CLOCK)
    assert set(scenarios) == SIX
    for scenario in scenarios.values():
        assert sum(step.inject for step in scenario.steps) == 1 and scenario.alerts and scenario.within > 0


def test_the_failure_phase_of_settlement_failure_waits_for_the_delay_alert():
    scenario = load_dir(REPO / "stack" / "scenarios", CLOCK)["settlement-failure"]
    first, then = scenario.steps
    assert first.after_alert is None and then.after_alert == "settlement_delayed"
    assert scenario.describe()["steps"][1]["after_alert"] == "settlement_delayed"


def test_bounds_follow_the_compressed_clock():
    assert CLOCK.seconds("10 ticks", "x") == pytest.approx(0.5)
    assert CLOCK.seconds("40 cycles", "x") == pytest.approx(4.0)
    assert CLOCK.seconds("36h", "x") == 129600 and CLOCK.seconds("500ms", "x") == 0.5


@pytest.mark.parametrize("text, says", [
    ("name: [unclosed", "not valid YAML"),
    ("- a list", "expected a mapping"),
    ("name: Bad Name\ndetect: {alerts: [a], within: 1s}\nsteps: [{action: market.shock, percent: '-1', inject: true}]",
     "name must be"),
    ("name: x\nsteps: [{action: market.shock, percent: '-1', inject: true}]", "detect must be"),
    ("name: x\ndetect: {alerts: [a], within: 1s}\nsteps: [{action: nuke}]", "action must be one of"),
    ("name: x\ndetect: {alerts: [a], within: 1s}\nsteps: [{action: market.shock, inject: true}]", "missing percent"),
    ("name: x\ndetect: {alerts: [a], within: 1s}\nsteps: [{action: market.shock, percent: '-1'}]",
     "exactly one step must be marked inject"),
    ("name: x\ndetect: {alerts: [a], within: soon}\nsteps: [{action: market.shock, percent: '-1', inject: true}]",
     "is not a duration"),
    ("name: x\nextra: 1\ndetect: {alerts: [a], within: 1s}\nsteps: []", "unknown key"),
    ("name: x\ndetect: {alerts: [a], within: 1s}\nsteps: [{action: market.shock, percent: '-1', inject: true, "
     "after_alert: [a]}]", "after_alert must be an alert rule name"),
])
def test_a_bad_definition_is_one_line_naming_the_problem(text, says):
    with pytest.raises(ScenarioError) as caught:
        parse(text, "custom.yaml", CLOCK)
    assert says in str(caught.value) and "\n" not in str(caught.value) and "custom.yaml" in str(caught.value)


def _event(kind: str, trace: str, **metadata) -> dict:
    return {"event_type": kind, "trace_id": trace, "metadata": {"scenario_id": "s-1", **metadata}}


def test_the_correlation_links_alerts_of_the_injections_trace_only():
    events = [_event("chaos.injection", "t" * 32, injected_ns=1_000_000_000),
              _event("risk.alert", "t" * 32, raised_ns=1_012_500_000, rule="price_drop"),
              _event("risk.alert", "u" * 32, raised_ns=1_001_000_000, rule="price_drop")]
    record = correlate(events, "s-1")
    assert record["linked"] and len(record["alerts"]) == 1 and record["detection_latency_ms"] == 12.5
    assert not correlate(events, "s-1", drop_links=True)["linked"]


def test_scenario_without_a_running_stack_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "--state-dir", str(tmp_path),
                           "scenario", "list"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "harness start" in proc.stderr, proc.stderr


def test_scenario_run_of_a_missing_file_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "scenario", "--url", "http://127.0.0.1:9",
                           "run", str(tmp_path / "none.yaml")], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no such scenario file" in proc.stderr and proc.stderr.count("\n") == 1
