"""`harness scenario list | run | status | reset` against a stack kept up by `harness start`."""
from __future__ import annotations

import pytest

from .test_cli import harness, state_dir  # noqa: F401 - the fixture, which stops the stack afterwards


@pytest.mark.slow
def test_scenario_runner_mirrors_the_seeds_script(state_dir, tmp_path):  # noqa: F811
    started = harness(state_dir, "start")
    assert started.returncode == 0, started.stderr

    listed = harness(state_dir, "scenario", "list")
    assert listed.returncode == 0, listed.stderr
    assert {line.split()[0] for line in listed.stdout.splitlines()} == {
        "market-crash", "stablecoin-depeg", "exchange-downtime", "settlement-failure", "strategy-malfunction",
        "feed-disruption"}

    ran = harness(state_dir, "scenario", "run", "market-crash")
    assert ran.returncode == 0 and "alerts price_drop" in ran.stdout, ran.stdout + ran.stderr
    status = harness(state_dir, "scenario", "status")
    assert "state holding" in status.stdout, status.stdout
    reset = harness(state_dir, "scenario", "reset")
    assert reset.returncode == 0 and "baseline yes" in reset.stdout, reset.stdout + reset.stderr

    custom = tmp_path / "custom-crash.yaml"
    custom.write_text("name: custom-crash\ndetect: {alerts: [price_drop], within: 20 ticks}\n"
                      "steps:\n  - {at: 0s, action: market.shock, percent: '-12', inject: true}\n")
    ran = harness(state_dir, "scenario", "run", str(custom))
    assert ran.returncode == 0 and ran.stdout.startswith("custom-crash-"), ran.stdout + ran.stderr
    assert harness(state_dir, "scenario", "reset").returncode == 0

    unknown = harness(state_dir, "scenario", "run", "no-such")
    assert unknown.returncode == 2 and "unknown_scenario" in unknown.stderr and unknown.stderr.count("\n") == 1
