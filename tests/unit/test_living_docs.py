"""The living docs show what ran and how; what did not run says so and never says passed."""
from __future__ import annotations

import re

import pytest

from trading_harness.reporting.catalogue import load
from trading_harness.reporting.livingdocs import Site, anchor
from trading_harness.reporting.scenarios import parse_features

from ..conftest import REPO

MILESTONE = "orchestrator/TSE-0001.3a"
UNENCODED = "orchestrator/TSE-0002"


@pytest.fixture(scope="module")
def model():
    catalogue = load(REPO / "features" / "milestones.yml")
    outlines = parse_features(REPO / "features", catalogue)
    return catalogue, outlines


def outline_named(outlines, name):
    return next(o for o in outlines if o.template.name == name)


def result(case, outcome, steps):
    return {"nodeid": case.key, "key": case.key, "outcome": outcome, "duration": 0.5, "message": "",
            "allure_uuid": "0000-uuid", "worker": None, "steps": steps}


def step(line, failed, duration=0.0123):
    return {"keyword": "", "name": "", "line_number": line, "failed": failed, "duration": duration}


@pytest.fixture
def site(model, tmp_path):
    catalogue, outlines = model
    ping = outline_named(outlines, "The healthcheck user can PING").cases[0]
    acl = outline_named(outlines, "The <domain> adapter can set, read and delete keys in its own namespace")
    failing = acl.cases[0]
    lines = [s.line_number for s in acl.template.steps]
    results = {
        ping.key: result(ping, "passed", [step(s.line_number, False) for s in
                                          outline_named(outlines, "The healthcheck user can PING").template.steps]),
        failing.key: result(failing, "failed", [step(lines[0], False), step(lines[1], True), step(lines[2], True, 0)]),
    }
    gate = {"verdict": "FAIL", "milestones": [{"key": MILESTONE, "verdict": "FAIL"}]}
    run = {"generated": "now", "target": "embedded", "commit": "abc", "selection": "-k x", "scenarios": 2,
           "passed": 1, "failed": 1, "skipped": 0,
           "profile": {"stack": "/tmp/their-stack", "origin": "inferred",
                       "names": [{"part": "exchange redis_user", "name": "svc.exchange<&>"}]}}
    out = tmp_path / "living-docs"
    # One milestone loses its scenarios, so the index has a NOT ENCODED row to show.
    encoded = [o for o in outlines if UNENCODED not in {m for c in o.cases for m in c.milestones}]
    Site(catalogue, encoded, results, gate, run, out, tmp_path / "allure-results").write()
    return out, ping, failing, acl


def fragment(page: str, element_id: str) -> str:
    """The HTML of the element with this id, up to its closing tag (rows and spans here do not nest)."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    return page[tag:page.index(f"</{name}>", start)]


def test_the_index_lists_every_milestone_with_its_verdict(site, model):
    out, *_ = site
    catalogue, _ = model
    index = (out / "index.html").read_text()
    listed = dict(re.findall(r'data-milestone="([^"]+)" data-verdict="([^"]+)"', index))
    assert set(listed) == set(catalogue.milestones)
    assert listed[MILESTONE] == "FAIL"
    assert listed[UNENCODED] == "NOT ENCODED"  # no scenario exists
    assert listed["exchange/TSE-0001.1a"] == "NOT RUN"  # scenarios exist, none of them ran
    assert catalogue.milestones[MILESTONE].acceptance in index
    assert 'class="cell failed"' in index and 'class="cell passed"' in index and 'class="cell no-scenario"' in index
    profile = fragment(index, "stack-profile")
    assert "exchange redis_user" in profile and "svc.exchange&lt;&amp;&gt;" in profile  # the names it resolved to


def test_a_scenario_that_never_ran_says_not_run_never_passed(site, model):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    never = acl.cases[1]
    row = fragment(page, anchor(never.key))
    assert "not run" in row and "passed" not in row
    other = outline_named(model[1], "The database has all seven domain schemas").cases[0]
    rest = page[page.index(f'id="{anchor(other.key)}"'):]
    block = rest[:rest.index('<div id="s-', 10)]
    assert re.search(r'class="outcome ([a-z-]+)"', block).group(1) == "not-run"
    assert set(re.findall(r'class="status ([a-z-]+)"', block)) == {"not-run"}


def test_each_step_shows_its_outcome_and_duration(site):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    details = page[page.index(f'id="{anchor(failing.key)}"'):]
    details = details[details.index("<details>"):details.index("</details>")]
    statuses = re.findall(r'class="status ([a-z-]+)">([^<]*)<', details)
    assert [s for s, _ in statuses] == ["passed", "failed", "not-run"]
    assert "12 ms" in statuses[0][1] and "12 ms" in statuses[1][1] and "ms" not in statuses[2][1]
    assert 'href="../allure-results/0000-uuid-result.json"' in page


def test_examples_are_tables_and_names_are_escaped(site):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    assert '<table class="examples">' in page
    assert "<th>domain</th>" in page
    assert "The &lt;domain&gt; adapter can set, read and delete keys in its own namespace" in page
    assert "<user>" not in page
