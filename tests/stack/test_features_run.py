"""The main job: `pytest features/` with no options runs every scenario, gates and writes its reports.

The run is the session's shared one (tests/intact.py): in CI, the one .ci/run has just made.

Every scenario passes; the exit status is the gate's: 0 when every milestone with scenarios is
PASS, 6 while some are INCOMPLETE (criteria not encoded yet), never FAIL.
"""
from __future__ import annotations

import json

from trading_harness.definition import StackDefinition

from ..conftest import STACK

MILESTONE = "TSE-0001.3a"
MILESTONE_KEY = "orchestrator/TSE-0001.3a"
MIN_SCENARIOS = 40
EXIT_INCOMPLETE = 6


def test_features_pass_and_write_reports(features_run):
    """The session's one run of the README's command (.ci/run's own, in CI; tests/intact.py)."""
    reports = features_run.reports
    cucumber, allure = reports / "cucumber.json", reports / "allure-results"
    output = features_run.output
    gate = json.loads((reports / "gate.json").read_text())
    verdicts = {r["key"]: r["verdict"] for r in gate["milestones"]}
    assert "milestone gate" in output and "FAIL" not in verdicts.values(), output[-5000:]
    assert features_run.returncode == (0 if gate["verdict"] == "PASS" else EXIT_INCOMPLETE), output[-5000:]
    assert verdicts[MILESTONE_KEY] == "PASS"
    for key, verdict in verdicts.items():
        if verdict == "INCOMPLETE":
            assert f"INCOMPLETE {key}: no scenario ran for" in " ".join(output.split()), key
    for written in ("junit.xml", "traceability.html", "traceability.csv", "living-docs/index.html"):
        assert (reports / written).is_file(), f"reports/{written} was not written"

    features = json.loads(cucumber.read_text())
    scenarios = [el for f in features for el in f.get("elements", [])]
    tagged = [el for f in features for el in f.get("elements", [])
              if MILESTONE in {t["name"] for t in f.get("tags", []) + el.get("tags", [])}]
    assert len(tagged) >= MIN_SCENARIOS, f"only {len(tagged)} scenarios tagged @{MILESTONE}"
    failed = [s["name"] for s in scenarios for step in s.get("steps", []) if step["result"]["status"] == "failed"]
    assert not failed

    results = [json.loads(p.read_text()) for p in allure.glob("*-result.json")]
    assert len(results) >= len(scenarios)
    epics = {label["value"] for r in results for label in r["labels"] if label["name"] == "epic"}
    assert MILESTONE_KEY in epics, "the milestone key is the Allure epic"
    assert all(r.get("steps") for r in results), "Allure results carry the Gherkin steps"

    definition = StackDefinition.load(STACK)
    secrets = {definition.postgres.password, *definition.postgres.roles.values(),
               *(p for u in definition.redis_users.values() for p in u.passwords)}
    texts = [output, cucumber.read_text()] + [p.read_text() for p in allure.iterdir() if p.suffix in (".json", ".txt")]
    leaked = {s for s in secrets for t in texts if s in t}
    assert not leaked, f"passwords in reports or terminal output: {sorted(leaked)}"
