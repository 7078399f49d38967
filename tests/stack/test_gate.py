"""The milestone gate can fail: a failing scenario, a criterion without a scenario, a milestone without one.

Also: selection by milestone and component, and an xdist run that loses and double-counts nothing.
"""
from __future__ import annotations

import csv
import json
import shutil
import xml.etree.ElementTree as ET

import yaml

from trading_harness.definition import StackDefinition
from trading_harness.reporting.allure_meta import category_of
from trading_harness.reporting.catalogue import load
from trading_harness.reporting.gate import EXIT_INCOMPLETE
from trading_harness.reporting.scenarios import parse_features

from ..conftest import REPO, STACK, edit
from ..repo import REDIS_ONLY

STRICT = {"HARNESS_GATE_ALLOW_INCOMPLETE": "0"}
UNENCODED = "orchestrator/TSE-0099"
OWN_NAMESPACE = "test_the_domain_adapter_can_set_read_and_delete_keys_in_its_own_namespace"


def flat(output: str) -> str:
    """The output with wrapped lines joined (the gate wraps its notes to the terminal width)."""
    return " ".join(output.split())


def gate_of(tmp_path) -> dict:
    return json.loads((tmp_path / "reports" / "gate.json").read_text())


def rows(gate: dict) -> dict[str, dict]:
    return {row["key"]: row for row in gate["milestones"]}


def test_a_failing_scenario_fails_the_gate_and_carries_its_diagnostics(run_features, stack_copy, tmp_path):
    root = stack_copy()
    edit(root / "redis" / "users.acl", "~exchange:* +@read", "~exchanges:* +@read")  # exchange-adapter loses its namespace
    result = run_features("--stack-dir", str(root), "--milestone", "orchestrator/TSE-0001.3a", "-k", OWN_NAMESPACE,
                          env={**STRICT, "HARNESS_SERVICES": "redis,postgres"})  # both attach their logs
    assert result.returncode == 1, result.output[-3000:]
    gate = gate_of(tmp_path)
    row = rows(gate)["orchestrator/TSE-0001.3a"]
    assert (gate["verdict"], row["verdict"], row["failed"], row["passed"]) == ("FAIL", "FAIL", 1, 6)
    assert any(line.split()[-1:] == ["FAIL"] for line in result.output.splitlines()), "the table shows FAIL"

    results = [json.loads(p.read_text()) for p in result.allure.glob("*-result.json")]
    [failed] = [r for r in results if r["status"] == "failed"]
    assert category_of(failed["statusDetails"]["message"], "failed").startswith("Product defects")
    labels = {(label["name"], label["value"]) for label in failed["labels"]}
    assert {("epic", "orchestrator/TSE-0001.3a"), ("story", "orchestrator.3a.redis-adapter-own-namespace"),
            ("severity", "critical"), ("feature", "Redis ACL users confine every domain to its own namespace")} <= labels
    assert any("milestone-tse-00013a" in link["url"] for link in failed["links"]), failed["links"]

    attachments = {a["name"]: (result.allure / a["source"]).read_text() for a in failed.get("attachments", [])}
    acl = attachments["Redis ACL LOG (entries made during the scenario)"]
    assert "user=exchange-adapter" in acl and "exchange:acceptance:key" in acl
    assert any(name.startswith("redis log") for name in attachments)
    assert any(name.startswith("postgres log") for name in attachments)
    assert "requests and replies" in attachments
    definition = StackDefinition.load(STACK)
    secrets = {p for u in definition.redis_users.values() for p in u.passwords} | {definition.postgres.password}
    leaked = {s for s in secrets for text in attachments.values() if s in text}
    assert not leaked, f"passwords in the diagnostics: {leaked}"

    page = (tmp_path / "reports" / "living-docs" / "orchestrator-TSE-0001.3a.html").read_text()
    assert "FAIL</span>" in page and 'class="outcome failed"' in page and 'class="status failed"' in page


def narrowed_catalogue(tmp_path) -> str:
    """A copy of the catalogue whose TSE-0001.3a has the two redis.feature criteria and one with no scenario."""
    data = yaml.safe_load((REPO / "features" / "milestones.yml").read_text())
    milestone = data["milestones"]["orchestrator/TSE-0001.3a"]
    milestone["criteria"] = [c for c in milestone["criteria"]
                             if c["id"] in ("orchestrator.3a.redis-ping", "orchestrator.3a.redis-memory-policy")]
    milestone["criteria"].append({"id": "orchestrator.3a.not-encoded", "text": "A criterion no scenario names."})
    path = tmp_path / "milestones.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return str(path)


def test_a_criterion_that_no_scenario_covers_is_incomplete(run_features, tmp_path):
    catalogue = narrowed_catalogue(tmp_path)
    result = run_features("--catalogue", catalogue, "-m", "redis and not acl", env={**STRICT, **REDIS_ONLY})
    assert result.returncode == EXIT_INCOMPLETE, result.output[-3000:]
    row = rows(gate_of(tmp_path))["orchestrator/TSE-0001.3a"]
    assert (row["verdict"], row["passed"], row["failed"], row["criteria"]) == ("INCOMPLETE", 3, 0, "2/3")
    assert row["uncovered"] == ["orchestrator.3a.not-encoded"]
    assert "INCOMPLETE orchestrator/TSE-0001.3a: no scenario ran for orchestrator.3a.not-encoded" in flat(result.output)

    with (tmp_path / "reports" / "traceability.csv").open() as f:
        lines = list(csv.DictReader(f))
    assert {"criterion": "orchestrator.3a.not-encoded", "result": "no scenario"}.items() <= \
        next(line for line in lines if line["criterion"] == "orchestrator.3a.not-encoded").items()
    orphans = [line for line in lines if line["orphan"]]
    assert orphans and all("not in the catalogue" in line["criterion_text"] for line in orphans)

    allowed = run_features("--catalogue", catalogue, "-m", "redis and not acl", "--gate-allow-incomplete",
                           env={**STRICT, **REDIS_ONLY})
    assert allowed.returncode == 0, allowed.output[-3000:]
    assert gate_of(tmp_path)["verdict"] == "INCOMPLETE"


def catalogue_with_an_unencoded_milestone(tmp_path) -> str:
    """A copy of the catalogue with one more milestone, which no scenario's tag names."""
    data = yaml.safe_load((REPO / "features" / "milestones.yml").read_text())
    data["milestones"][UNENCODED] = {
        "title": "Not encoded yet", "acceptance": "Nothing encodes this milestone.",
        "source": data["milestones"]["orchestrator/TSE-0002"]["source"],
        "criteria": [{"id": "orchestrator.tse-0099.not-encoded", "text": "A criterion no scenario names."}]}
    path = tmp_path / "milestones.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return str(path)


def test_a_selected_milestone_without_scenarios_is_incomplete_never_pass(run_features, tmp_path):
    catalogue = catalogue_with_an_unencoded_milestone(tmp_path)
    result = run_features("--catalogue", catalogue, "--milestone", UNENCODED, env=STRICT)
    assert result.returncode == EXIT_INCOMPLETE, result.output[-3000:]
    found = rows(gate_of(tmp_path))
    assert set(found) == {UNENCODED}
    assert all(r["verdict"] == "INCOMPLETE" and r["scenarios"] == 0 for r in found.values())
    assert f"INCOMPLETE {UNENCODED}: no scenario ran" in flat(result.output)
    assert "PASS" not in result.output

    allowed = run_features("--catalogue", catalogue, "--milestone", UNENCODED, "--gate-allow-incomplete", env=STRICT)
    assert allowed.returncode == 0 and gate_of(tmp_path)["verdict"] == "INCOMPLETE"


def test_an_unknown_milestone_is_a_usage_error(run_features):
    result = run_features("--milestone", "TSE-0001.99")
    assert result.returncode == 4
    assert "--milestone TSE-0001.99: no such milestone" in result.output
    assert "Traceback" not in result.output


def test_component_selects_every_milestone_of_that_component(run_features, tmp_path):
    result = run_features("--component", "orchestrator", "-m", "compose", env=STRICT)
    assert result.returncode == EXIT_INCOMPLETE, result.output[-3000:]
    found = rows(gate_of(tmp_path))
    assert set(found) == {k for k in yaml.safe_load((REPO / "features" / "milestones.yml").read_text())["milestones"]
                          if k.startswith("orchestrator/")}
    catalogue = load(REPO / "features" / "milestones.yml")
    compose_3a = [c for o in parse_features(REPO / "features", catalogue) for c in o.cases
                  if "compose" in c.tags and "orchestrator/TSE-0001.3a" in c.milestones]
    assert found["orchestrator/TSE-0001.3a"]["passed"] == len(compose_3a) > 0
    # the other orchestrator milestones ran only their @compose scenarios, if any: never PASS
    assert all(r["verdict"] == "INCOMPLETE" and r["failed"] == 0
               for k, r in found.items() if k != "orchestrator/TSE-0001.3a")


def snapshot(tmp_path, result) -> dict:
    """What a run reported, by every channel, copied before the next run overwrites it."""
    reports = tmp_path / "reports"
    gate, run = json.loads((reports / "gate.json").read_text()), json.loads((reports / "run.json").read_text())
    cucumber = result.cucumber_scenarios()
    allure = [json.loads(p.read_text()) for p in result.allure.glob("*-result.json")]
    docs = (reports / "living-docs" / "orchestrator-TSE-0001.3a.html").read_text()
    return {"rows": [{k: v for k, v in r.items()} for r in gate["milestones"]],
            "outcomes": {k: r["outcome"] for k, r in run["results"].items()},
            "nodeids": sorted(r["nodeid"] for r in run["results"].values()),
            "duplicates": run["run"]["duplicates"], "stacks": gate["timing"]["stack"],
            "junit": len(list(ET.parse(result.junit).getroot().iter("testcase"))),
            "cucumber": len(cucumber), "cucumber_names": sorted(e["id"] for e in cucumber),
            "allure": len(allure), "allure_uuids": {r["uuid"] for r in allure},
            "containers": len(list(result.allure.glob("*-container.json"))),
            "docs_passed": docs.count('class="outcome passed"'), "docs_not_run": docs.count('class="outcome not-run"')}


def test_xdist_loses_nothing_and_counts_nothing_twice(run_features, tmp_path):
    selection = ("-m", "(redis or compose or lifecycle) and TSE-0001.3a", "--clean-alluredir")
    infrastructure = {"HARNESS_SERVICES": "redis,postgres,service-registry"}  # what the selection uses: 3 quick starts
    serial_run = run_features(*selection, env=infrastructure)
    assert serial_run.returncode == 0, serial_run.output[-3000:]
    serial = snapshot(tmp_path, serial_run)
    shutil.rmtree(tmp_path / "reports")
    parallel_run = run_features(*selection, "-n", "2", env=infrastructure)
    assert parallel_run.returncode == 0, parallel_run.output[-3000:]
    parallel = snapshot(tmp_path, parallel_run)

    count = len(serial["outcomes"])
    assert count >= 50 and f"{count} passed" in serial_run.output and f"{count} passed" in parallel_run.output
    for run in (serial, parallel):
        assert run["junit"] == run["cucumber"] == run["allure"] == len(run["nodeids"]) == count
        assert len(set(run["nodeids"])) == count and not run["duplicates"]
        assert sum(r["scenarios"] for r in run["rows"]) == count
    assert parallel["outcomes"] == serial["outcomes"]
    assert parallel["cucumber_names"] == serial["cucumber_names"]
    assert [{k: r[k] for k in ("key", "scenarios", "passed", "failed", "skipped", "covered", "verdict")}
            for r in parallel["rows"]] == \
           [{k: r[k] for k in ("key", "scenarios", "passed", "failed", "skipped", "covered", "verdict")}
            for r in serial["rows"]]
    assert (parallel["docs_passed"], parallel["docs_not_run"]) == (serial["docs_passed"], serial["docs_not_run"])
    # whole feature files per worker (fixtures/run_order.py): a worker whose files need no stack starts none
    workers = [s["worker"] for s in parallel["stacks"]]
    assert workers and len(set(workers)) == len(workers) and set(workers) <= {"gw0", "gw1"}, \
        f"at most one stack start-up per worker, each recorded: {workers}"
    assert parallel["containers"] == len(workers) and serial["containers"] == 1


SEED_ADAPTER_RULE = "~exchange:* +@read +@write +@keyspace +ping -@dangerous"
HARDENING = "test_the_domain_adapter_can_neither_read_nor_list_the_other_namespace and exchange-custodian"


def test_a_failing_hardening_scenario_is_an_advisory_unless_strict(run_features, stack_copy, tmp_path):
    """The seeds' adapter rule lets SCAN list other namespaces: advisory by default, FAIL with --strict."""
    root = stack_copy()
    edit(root / "redis" / "users.acl", SEED_ADAPTER_RULE + " -scan", SEED_ADAPTER_RULE)
    env = {**STRICT, "HARNESS_SERVICES": "redis,postgres,service-registry"}
    result = run_features("--stack-dir", str(root), "--milestone", "orchestrator/TSE-0001.3a", "-k",
                          f"({HARDENING}) or {OWN_NAMESPACE}", env=env)
    outcomes = result.outcomes()
    assert sorted(set(outcomes.values())) == ["failed", "passed"], outcomes
    row = rows(gate_of(tmp_path))["orchestrator/TSE-0001.3a"]
    assert row["failed"] == 0 and len(row["advisories"]) == 1, row
    assert "SCAN" in row["advisories"][0]["message"], row["advisories"]
    assert "ADVISORY orchestrator/TSE-0001.3a" in flat(result.output)
    assert result.returncode in (0, EXIT_INCOMPLETE), result.output[-3000:]  # never 1: only an advisory failed

    result = run_features("--stack-dir", str(root), "--milestone", "orchestrator/TSE-0001.3a", "-k",
                          f"({HARDENING}) or {OWN_NAMESPACE}", env={**env, "HARNESS_GATE_STRICT": "1"})
    assert result.returncode == 1, result.output[-3000:]
    row = rows(gate_of(tmp_path))["orchestrator/TSE-0001.3a"]
    assert (row["verdict"], row["failed"], row["advisories"]) == ("FAIL", 1, []), row
