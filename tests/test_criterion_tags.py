"""Criterion tags work wherever Gherkin allows tags, Examples blocks included; orphans are reported."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from .conftest import REPO

CATALOGUE = textwrap.dedent("""
    seeds: ../seeds
    milestones:
      exchange/TSE-0001.1a:
        title: Bootstrapping (exchange)
        acceptance: The exchange answers health checks.
        source: {document: exchange.md, section: Bootstrapping}
        criteria:
          - {id: exchange.1a.rest-health, text: REST health answers.}
          - {id: exchange.1a.grpc-health, text: gRPC health answers., severity: critical}
      custodian/TSE-0001.1a:
        title: Bootstrapping (custodian)
        acceptance: The custodian answers health checks.
        source: {document: custodian.md, section: Bootstrapping}
        criteria:
          - {id: custodian.1a.rest-health, text: REST health answers.}
""")
FEATURE = textwrap.dedent("""
    @TSE-0001.1a
    Feature: Services answer health checks

      @criterion:exchange.1a.grpc-health @exchange
      Scenario: The exchange answers gRPC health
        Given a service
        Then it answers

      Scenario Outline: <service> answers REST health
        Given a service
        Then it answers

        @exchange @criterion:exchange.1a.rest-health @severity:blocker
        Examples:
          | service  |
          | exchange |

        @custodian @criterion:custodian.1a.rest-health
        Examples:
          | service   |
          | custodian |

      @custodian
      Scenario: An orphan that names no criterion
        Given a service
        Then it answers

      @criterion:exchange.1a.no-such-criterion
      Scenario: An orphan that names an unknown criterion
        Given a service
        Then it answers
""")
TEST = textwrap.dedent("""
    from pytest_bdd import given, scenarios, then

    scenarios("health")

    @given("a service")
    def service():
        return "up"

    @then("it answers")
    def answers():
        assert True
""")


def project(tmp_path):
    """A tiny project laid out like this one: features/ with a catalogue, the harness plugins."""
    (tmp_path / "features" / "health").mkdir(parents=True)
    (tmp_path / "features" / "milestones.yml").write_text(CATALOGUE)
    (tmp_path / "features" / "health" / "health.feature").write_text(FEATURE)
    (tmp_path / "features" / "health" / "test_health.py").write_text(TEST)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["fixtures.plugin", "fixtures.reporting"]\n')
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\nbdd_features_base_dir = features\n")
    return tmp_path


def run(root, *args):
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARNESS_GATE_ALLOW_INCOMPLETE": "0"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", "-p", "no:cacheprovider", *args], cwd=root,
                          capture_output=True, text=True, timeout=120, env=env)
    return proc, proc.stdout + proc.stderr


def test_examples_tags_name_criteria_and_orphans_are_reported(tmp_path):
    root = project(tmp_path)
    proc, output = run(root)
    assert proc.returncode == 0, output[-3000:]
    gate = json.loads((root / "reports" / "gate.json").read_text())
    rows = {r["key"]: r for r in gate["milestones"]}
    assert rows["exchange/TSE-0001.1a"]["verdict"] == "PASS" and rows["exchange/TSE-0001.1a"]["scenarios"] == 2
    assert rows["custodian/TSE-0001.1a"]["verdict"] == "PASS"
    assert rows["custodian/TSE-0001.1a"]["scenarios"] == 2, "the criterion row plus the orphan counted by its tags"
    orphans = {o["name"]: o for o in gate["orphans"]}
    assert orphans["An orphan that names no criterion"]["milestones"] == ["custodian/TSE-0001.1a"]
    unknown = orphans["An orphan that names an unknown criterion"]
    assert "exchange.1a.no-such-criterion" in unknown["reason"]
    assert unknown["milestones"] == [], "TSE-0001.1a alone names two milestones: it counts for neither"
    assert "orphan scenarios: 2" in output

    results = [json.loads(p.read_text()) for p in (root / "reports" / "allure-results").glob("*-result.json")]
    labels = {r["name"]: {(la["name"], la["value"]) for la in r["labels"]} for r in results}
    assert {("story", "exchange.1a.rest-health"), ("severity", "blocker"), ("epic", "exchange/TSE-0001.1a")} \
        <= labels["exchange answers REST health"]
    assert ("severity", "critical") in labels["The exchange answers gRPC health"], "severity from the catalogue"
    assert ("epic", "custodian/TSE-0001.1a") in labels["custodian answers REST health"]


def test_selection_by_milestone_and_by_criterion_marker(tmp_path):
    root = project(tmp_path)
    proc, output = run(root, "--milestone", "custodian/TSE-0001.1a")
    assert proc.returncode == 0 and "2 passed, 3 deselected" in output, output[-3000:]
    proc, output = run(root, "-m", "criterion_exchange.1a.rest-health", "--gate-allow-incomplete")
    assert proc.returncode == 0 and "1 passed, 4 deselected" in output, output[-3000:]
