"""`harness lint --format`: each machine format read by a third-party reader or validator.

SARIF is validated against the published 2.1.0 schema (vendored: trading_harness/lint/schemas/);
JUnit is read by junitparser; GitLab Code Quality and GitHub workflow commands are checked field
by field. The broken stack of tests/stacks/broken has six errors in four checks.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import junitparser
import pytest

from trading_harness.lint import formats
from trading_harness.lint.runner import lint

from ..conftest import REPO
from .test_lint import BROKEN, DEFECTS, SECRETS

SCHEMA = REPO / "trading_harness" / "lint" / "schemas" / "sarif-2.1.0.json"
BROKEN_REL = BROKEN.relative_to(REPO).as_posix()


@pytest.fixture(scope="module")
def report():
    return lint(BROKEN)


def _expected(report) -> set[tuple[str, str, int]]:
    """(check, repository-relative file, line) of each error."""
    found = set()
    for finding in report.errors:
        path, line = re.match(r"^(.*?):(\d+)", finding.location).groups()
        found.add((finding.check, (Path.cwd() / path).resolve().relative_to(REPO).as_posix(), int(line)))
    return found


def test_sarif_validates_against_the_published_schema_with_rules_fingerprints_and_regions(report):
    document = json.loads(formats.render(report, "sarif"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == set(formats.RULES) and all(r["help"]["text"] for r in rules.values())
    errors = [r for r in run["results"] if r["level"] == "error"]
    assert len(errors) == len(DEFECTS)
    seen = set()
    for result in errors:
        assert rules[result["ruleId"]] == run["tool"]["driver"]["rules"][result["ruleIndex"]]
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri.startswith(BROKEN_REL + "/") and (REPO / uri).is_file(), uri
        seen.add((result["ruleId"], uri, physical["region"]["startLine"]))
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["harnessLint/v1"])
    assert seen == _expected(report)
    assert len({r["partialFingerprints"]["harnessLint/v1"] for r in run["results"]}) == len(run["results"])


def test_a_broken_sarif_document_is_refused_by_the_schema(report):
    """The schema check can fail: a result without a message is not SARIF."""
    document = json.loads(formats.render(report, "sarif"))
    del document["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json.loads(SCHEMA.read_text()))


def test_github_workflow_commands_name_file_line_and_title(report):
    lines = formats.render(report, "github").splitlines()
    command = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),title=([^:]+)::(.+)$")
    parsed = [command.match(line) for line in lines]
    assert all(parsed), lines
    errors = {(m[4].split("%3A")[0], m[2], int(m[3])) for m in parsed if m[1] == "error"}
    assert errors == _expected(report)
    assert len([m for m in parsed if m[1] == "error"]) == len(DEFECTS)


def test_gitlab_code_quality_has_a_unique_fingerprint_and_gitlab_severities(report):
    issues = json.loads(formats.render(report, "gitlab"))
    assert len(issues) == len(report.findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}
    majors = {(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"])
              for i in issues if i["severity"] == "major"}
    assert majors == _expected(report)
    assert all(i["description"] for i in issues)


def test_junit_has_one_case_per_check_and_stack_file_failed_by_its_errors(report, tmp_path):
    (tmp_path / "lint.xml").write_text(formats.render(report, "junit"))
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "lint.xml"))
    files = sorted(p.relative_to(REPO).as_posix() for p in BROKEN.rglob("*") if p.is_file())
    cases = {(suite.name.split(".", 1)[1], case.name): case for suite in xml for case in suite}
    assert set(cases) == {(check, f) for check in formats.RULES for f in files}
    failed = {key for key, case in cases.items() if not case.is_passed}
    assert failed == {(check, path) for check, path, _ in _expected(report)}
    for key in failed:
        assert isinstance(cases[key].result[0], junitparser.Failure)


def test_the_cli_writes_sarif_alone_on_stdout_the_summary_on_stderr_and_exits_1():
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint", "--stack-dir", str(BROKEN),
                           "--format", "sarif"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)  # nothing but the document
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert "6 error(s)" in proc.stderr and "6 error(s)" not in proc.stdout
    assert not [s for s in SECRETS if s in proc.stdout + proc.stderr]


def test_the_cli_exits_2_with_one_line_on_stderr_when_the_lint_cannot_run(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint", "--stack-dir", str(tmp_path),
                           "--format", "sarif"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
