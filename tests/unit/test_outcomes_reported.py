"""Reports tell skipped, undefined and flaky scenarios apart, each read by its own reader.

A mini project: one scenario skipped before its steps (with a reason), one skipped by a step
(a service not deployed), one with an undefined step, one that fails once and passes on the
retry (pytest-rerunfailures, --reruns 1) and one that passes. Cucumber JSON keeps the skipped
scenarios and the undefined step (pytest-bdd's own writer drops them); JUnit (read by
junitparser), Allure and the gate mark the retried pass as flaky; --strict counts it as a failure.
"""
from __future__ import annotations

import json
import textwrap

import junitparser

from ..miniproject import project, run

FEATURE = textwrap.dedent("""
    Feature: Outcomes

      @criterion:exchange.1a.grpc-health @exchange
      Scenario: Passes on the second try
        Given a service
        Then it answers on the second try

      @criterion:exchange.1a.rest-health @exchange
      Scenario: Passes
        Given a service
        Then it answers

      @custodian
      Scenario: Skipped before its steps
        Given a service
        Then it answers

      @custodian
      Scenario: Skipped by a step
        Given a service
        And a service that is not deployed here
        Then it answers

      @custodian
      Scenario: Has an undefined step
        Given a service
        When it speaks a language nobody taught it
        Then it answers
""")
STEPS = '''
    import pytest
    from pytest_bdd import given, then


    @then("it answers on the second try")
    def second_try():
        marker = Path(os.environ["ATTEMPTS_FILE"])
        tries = int(marker.read_text()) + 1 if marker.exists() else 1
        marker.write_text(str(tries))
        assert tries > 1, "the first attempt fails on purpose"


    @given("a service that is not deployed here")
    def not_deployed():
        pytest.skip("the custodian is not deployed in this stack")


    def pytest_collection_modifyitems(items):
        for item in items:
            if item.name.endswith("skipped_before_its_steps"):
                item.add_marker(pytest.mark.skip(reason="skipped on purpose: no custodian in this run"))
'''


def _project(tmp_path):
    return project(tmp_path, feature=FEATURE, conftest_extra=STEPS)


def _run(root, tmp_path, *args):
    return run(root, "--reruns", "1", "--gate-allow-incomplete", *args,
               env={"ATTEMPTS_FILE": str(tmp_path / f"attempts{len(args)}")})


def test_cucumber_json_keeps_skipped_scenarios_with_the_reason_and_undefined_steps(tmp_path):
    root = _project(tmp_path)
    proc, output = _run(root, tmp_path)
    elements = {e["name"]: e for f in json.loads((root / "reports" / "cucumber.json").read_text()) for e in f["elements"]}
    assert set(elements) == {"Passes on the second try", "Passes", "Skipped before its steps", "Skipped by a step",
                             "Has an undefined step"}, output[-3000:]
    status = lambda name: [s["result"]["status"] for s in elements[name]["steps"]]  # noqa: E731
    assert status("Skipped before its steps") == ["skipped", "skipped"]
    assert "no custodian in this run" in elements["Skipped before its steps"]["steps"][0]["result"]["error_message"]
    assert status("Skipped by a step") == ["passed", "skipped", "skipped"]
    assert "not deployed" in elements["Skipped by a step"]["steps"][1]["result"]["error_message"]
    assert status("Has an undefined step") == ["passed", "undefined", "skipped"]
    undefined = elements["Has an undefined step"]["steps"][1]
    assert undefined["name"] == "it speaks a language nobody taught it"
    assert "it speaks a language nobody taught it" in undefined["result"]["error_message"]
    assert status("Passes on the second try") == ["passed", "passed"] and status("Passes") == ["passed", "passed"]


def test_a_pass_on_retry_is_flaky_in_junit_allure_the_gate_and_the_results(tmp_path):
    root = _project(tmp_path)
    proc, output = _run(root, tmp_path)
    xml = junitparser.JUnitXml.fromfile(str(root / "reports" / "junit.xml"))
    cases = {case.name: case for suite in xml for case in suite}
    flaky = [name for name, case in cases.items()
             if any(p.name == "flaky" for props in case.iterchildren(junitparser.Properties)
                    for p in props.iterchildren(junitparser.Property))]
    assert flaky == ["test_passes_on_the_second_try"], (flaky, output[-3000:])
    assert cases["test_passes_on_the_second_try"].is_passed
    allure = [json.loads(p.read_text()) for p in (root / "reports" / "allure-results").glob("*-result.json")]
    marked = {r["name"] for r in allure if r["status"] == "passed" and (r.get("statusDetails") or {}).get("flaky")}
    assert marked == {"Passes on the second try"}
    run_json = json.loads((root / "reports" / "run.json").read_text())
    results = {r["nodeid"].split("::")[-1]: r for r in run_json["results"].values()}
    assert results["test_passes_on_the_second_try"]["flaky"] is True
    assert results["test_passes_on_the_second_try"]["attempts"] == 2
    assert results["test_passes"]["flaky"] is False
    assert "not deployed" in results["test_skipped_by_a_step"]["skip_reason"]
    row = {r["key"]: r for r in run_json["gate"]["milestones"]}["exchange/TSE-0001.1a"]
    assert (row["flaky"], row["passed"], row["failed"], row["verdict"]) == (1, 2, 0, "PASS")
    header = next(line for line in output.splitlines() if line.startswith("milestone "))
    assert header.split() == ["milestone", "scenarios", "passed", "failed", "flaky", "skipped", "criteria", "verdict"]


def test_with_strict_a_flaky_pass_fails_its_milestone(tmp_path):
    root = _project(tmp_path)
    proc, output = _run(root, tmp_path, "--strict")
    row = {r["key"]: r for r in json.loads((root / "reports" / "gate.json").read_text())["milestones"]}
    assert row["exchange/TSE-0001.1a"]["verdict"] == "FAIL" and row["exchange/TSE-0001.1a"]["flaky"] == 1, output[-3000:]
    assert proc.returncode == 1
