"""The gate never PASSes with a scenario that did not run; every .feature file is collected; bad Gherkin is one line."""
from __future__ import annotations

import json
import textwrap

import pytest

from trading_harness.reporting.gate import EXIT_INCOMPLETE

from ..miniproject import project, run

FAILING = textwrap.dedent("""
    @TSE-0001.1a @exchange
    Feature: A criterion that does not hold

      @criterion:exchange.1a.rest-health
      Scenario: The exchange answers REST health, yet fails
        Given a service
        Then it fails
""")
EXTRA_CUSTODIAN = textwrap.dedent("""
    @TSE-0001.1a @custodian
    Feature: More custodian health

      @criterion:custodian.1a.rest-health
      Scenario: The custodian answers REST health once more
        Given a service
        Then it answers
""")


def rows(root) -> dict[str, dict]:
    return {row["key"]: row for row in json.loads((root / "reports" / "gate.json").read_text())["milestones"]}


@pytest.mark.parametrize("where", ["brand_new/failing.feature", "brand_new/nested/deeper/failing.feature",
                                   "failing.feature"], ids=["new-folder", "nested-folder", "features-root"])
def test_a_feature_file_anywhere_under_features_is_collected_and_counts(tmp_path, where):
    root = project(tmp_path)
    path = root / "features" / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAILING)
    proc, output = run(root, "--milestone", "TSE-0001.1a")
    assert proc.returncode == 1, output[-3000:]
    row = rows(root)["exchange/TSE-0001.1a"]
    assert (row["verdict"], row["failed"]) == ("FAIL", 1), row
    assert "test_the_exchange_answers_rest_health_yet_fails" in output


def test_a_scenario_a_hook_drops_blocks_pass_and_is_named(tmp_path):
    root = project(tmp_path, conftest_extra="""
        def pytest_collection_modifyitems(items):
            items[:] = [item for item in items if "orphan_that_names_no_criterion" not in item.name]
    """)
    proc, output = run(root, "--milestone", "custodian/TSE-0001.1a")
    assert proc.returncode == EXIT_INCOMPLETE, output[-3000:]
    row = rows(root)["custodian/TSE-0001.1a"]
    assert row["verdict"] == "INCOMPLETE" and row["uncovered"] == [], row
    [gone] = row["missing"]
    assert gone["name"] == "An orphan that names no criterion" and "plugin or hook" in gone["reason"]
    assert "An orphan that names no criterion" in " ".join(output.split())


def test_a_feature_file_no_module_collects_blocks_pass(tmp_path):
    root = project(tmp_path, conftest_extra="""
        collect_ignore_glob = ["features/extra/*"]
    """)
    (root / "features" / "extra").mkdir()
    (root / "features" / "extra" / "more.feature").write_text(EXTRA_CUSTODIAN)
    proc, output = run(root, "--milestone", "custodian/TSE-0001.1a")
    assert proc.returncode == EXIT_INCOMPLETE, output[-3000:]
    [gone] = rows(root)["custodian/TSE-0001.1a"]["missing"]
    assert gone == {"key": "extra/more.feature:6", "name": "The custodian answers REST health once more",
                    "reason": "never collected"}


def test_the_users_own_deselection_does_not_block_pass(tmp_path):
    root = project(tmp_path)
    (root / "features" / "extra").mkdir()
    (root / "features" / "extra" / "more.feature").write_text(EXTRA_CUSTODIAN)
    proc, output = run(root, "--milestone", "custodian/TSE-0001.1a", "-k", "not once_more")
    assert proc.returncode == 0, output[-3000:]
    row = rows(root)["custodian/TSE-0001.1a"]
    assert (row["verdict"], row["missing"]) == ("PASS", []), row


def test_a_failing_orphan_fails_its_milestone(tmp_path):
    feature = (project(tmp_path) / "features" / "health" / "health.feature")
    text = feature.read_text()
    feature.write_text(text.replace("Scenario: An orphan that names no criterion\n    Given a service\n    Then it answers",
                                    "Scenario: An orphan that names no criterion\n    Given a service\n    Then it fails"))
    assert feature.read_text() != text
    proc, output = run(tmp_path, "--milestone", "custodian/TSE-0001.1a")
    assert proc.returncode == 1, output[-3000:]
    assert rows(tmp_path)["custodian/TSE-0001.1a"]["verdict"] == "FAIL"


@pytest.mark.parametrize("text, line, found", [
    ("Feature: a\n  Scenario: x\n    Given a service\n  Whatever this is\n", 4, "'Whatever this is'"),
    ("Scenario: x\n  Given a service\n", 1, "'Scenario: x'"),
], ids=["stray-text", "no-feature"])
def test_a_malformed_feature_file_is_one_line_and_a_usage_error(tmp_path, text, line, found):
    root = project(tmp_path)
    (root / "features" / "health" / "broken.feature").write_text(text)
    proc, output = run(root)
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert proc.returncode == 4, output[-3000:]
    assert len(lines) == 1, output
    assert lines[0].startswith(f"ERROR: features/health/broken.feature:{line}: ") and found in lines[0], lines[0]
    assert "expected" in lines[0]
