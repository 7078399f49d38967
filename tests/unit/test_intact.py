"""The shared intact run (tests/intact.py): a selection means what it means to -k, and every scenario it
selects must have passed in that run."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ..intact import NAMES_ENV, FeaturesRun, assert_selection_passed
from ..keyword_names import selects
from ..miniproject import project, run

JUNIT = """<?xml version="1.0"?><testsuites><testsuite name="pytest">
<testcase classname="features.a.feature" name="test_one"/>
<testcase classname="features.a.feature" name="test_two"><failure message="no"/></testcase>
<testcase classname="features.b.feature" name="test_one[x]"><skipped/></testcase>
</testsuite></testsuites>"""


def scenario(feature: str, name: str, *tags: str) -> dict:
    return {"nodeid": f"features/{feature}.feature::{name}", "junit": [f"features.{feature}.feature", name],
            "names": [name, f"{feature}.feature", "features", *tags]}


SCENARIOS = [scenario("a", "test_one", "redis"), scenario("a", "test_two"), scenario("b", "test_one[x]"),
             scenario("c", "test_never_ran")]


@pytest.fixture
def intact_run(tmp_path) -> FeaturesRun:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "junit.xml").write_text(JUNIT)
    (tmp_path / "output.log").write_text("the run's output")
    (tmp_path / "exit-status").write_text("1")
    return FeaturesRun(tmp_path)


def test_a_selection_matches_as_k_does():
    names = ["test_the_admin_user_has_full_access", "users.feature", "features", "TSE-0001.3a"]
    assert selects("admin_user and users", names)
    assert selects("ADMIN_USER", names), "-k matches case-insensitively"
    assert not selects("admin_user and not TSE-0001", names)
    assert selects("(nothing) or (full_access)", names)


def test_every_selected_scenario_must_have_passed(intact_run):
    assert assert_selection_passed(intact_run, SCENARIOS, "test_one and a.feature") == ["features/a.feature::test_one"]
    assert assert_selection_passed(intact_run, SCENARIOS, "redis", minimum=1)
    for selection, says in [("test_two", "failed"), ("b.feature", "skipped"), ("never_ran", "not run"),
                            ("test_one", "skipped")]:
        with pytest.raises(AssertionError, match=says):
            assert_selection_passed(intact_run, SCENARIOS, selection)
    with pytest.raises(AssertionError, match="fewer than 2"):
        assert_selection_passed(intact_run, SCENARIOS, "redis", minimum=2)
    with pytest.raises(AssertionError, match="fewer than 1"):
        assert_selection_passed(intact_run, SCENARIOS, "no_such_scenario")


def test_the_names_plugin_gives_the_junit_key_of_every_scenario(tmp_path):
    root = project(tmp_path)
    names, junit = tmp_path / "names.json", tmp_path / "junit.xml"
    proc, output = run(root, "-p", "tests.keyword_names", f"--junitxml={junit}", env={NAMES_ENV: str(names)})
    scenarios = json.loads(names.read_text())
    cases = {(c.get("classname"), c.get("name")) for c in ET.parse(junit).getroot().iter("testcase")}
    assert scenarios and {tuple(s["junit"]) for s in scenarios} == cases, output[-2000:]
    assert all(s["nodeid"].startswith("features/health/health.feature::") for s in scenarios)
