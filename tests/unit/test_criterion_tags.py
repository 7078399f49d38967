"""Criterion tags work wherever Gherkin allows tags, Examples blocks included; orphans are reported."""
from __future__ import annotations

import json

from ..miniproject import project, run


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
