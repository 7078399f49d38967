"""The living docs show what ran and how, why what failed failed, and what did not run and why."""
from __future__ import annotations

import re

import pytest

from trading_harness.reporting import environment, failures, history
from trading_harness.reporting.banner import banner
from trading_harness.reporting.catalogue import load
from trading_harness.reporting.livingdocs import Site, anchor
from trading_harness.reporting.scenarios import parse_features

from ..conftest import REPO

OUTLINE = "The <domain> adapter can set, read and delete keys in its own namespace"

MILESTONE = "orchestrator/TSE-0001.3a"
UNENCODED = "orchestrator/TSE-0002"


@pytest.fixture(scope="module")
def model():
    catalogue = load(REPO / "features" / "milestones.yml")
    outlines = parse_features(REPO / "features", catalogue)
    return catalogue, outlines


def outline_named(outlines, name):
    return next(o for o in outlines if o.template.name == name)


def result(case, outcome, steps, duration=0.5):
    return {"nodeid": case.key, "key": case.key, "outcome": outcome, "duration": duration, "message": "",
            "allure_uuid": "0000-uuid", "worker": None, "steps": steps}


def step(line, failed, duration=0.0123):
    return {"keyword": "", "name": "", "line_number": line, "failed": failed, "duration": duration}


RUN = {"generated": "now", "target": "embedded", "commit": "abc", "selection": "-k x", "scenarios": 2,
       "passed": 1, "failed": 1, "skipped": 0, "subset": ["-k 'x'"],
       "profile": {"stack": "/tmp/their-stack", "origin": "inferred",
                   "names": [{"part": "exchange redis_user", "name": "svc.exchange<&>"}]}}


@pytest.fixture
def site(model, tmp_path):
    catalogue, outlines = model
    ping = outline_named(outlines, "The healthcheck user can PING").cases[0]
    acl = outline_named(outlines, OUTLINE)
    failing = acl.cases[0]
    lines = [s.line_number for s in acl.template.steps]
    results = {
        ping.key: result(ping, "passed", [step(s.line_number, False) for s in
                                          outline_named(outlines, "The healthcheck user can PING").template.steps]),
        failing.key: result(failing, "failed", [step(lines[0], False), step(lines[1], True), step(lines[2], True, 0)]),
    }
    gate = {"verdict": "FAIL", "milestones": [{"key": MILESTONE, "verdict": "FAIL"}]}
    out = tmp_path / "living-docs"
    (tmp_path / "allure-results").mkdir()
    (tmp_path / "allure-results" / "0000-uuid-result.json").write_text("{}")
    # One milestone loses its scenarios, so the index has a NOT ENCODED row to show.
    encoded = [o for o in outlines if UNENCODED not in {m for c in o.cases for m in c.milestones}]
    Site(catalogue, encoded, results, gate, RUN, out, tmp_path / "allure-results",
         kept={ping.key, failing.key}).write()
    return out, ping, failing, acl


def fragment(page: str, element_id: str) -> str:
    """The HTML of the element with this id, up to its closing tag (rows and spans here do not nest)."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    return page[tag:page.index(f"</{name}>", start)]


def test_the_index_lists_every_milestone_with_its_verdict_counts_and_legend(site, model):
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
    assert re.search(r'<a class="cell failed" [^>]*aria-label="orchestrator\.3a\.[^"]+: failed">✖</a>', index)
    profile = fragment(index, "stack-profile")
    assert "exchange redis_user" in profile and "svc.exchange&lt;&amp;&gt;" in profile  # the names it resolved to
    assert "FAIL: 1</span>" in index and "failed: 1</span>" in index and "passed: 1</span>" in index
    assert 'aria-label="Legend"' in index


def test_a_scenario_that_never_ran_says_not_run_and_why(site, model):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    never = acl.cases[1]
    row = fragment(page, anchor(never.key))
    assert "not run" in row and "passed" not in row
    other = outline_named(model[1], "The database has all seven domain schemas").cases[0]
    rest = page[page.index(f'id="{anchor(other.key)}"'):]
    block = rest[:rest.index('<section id="s-', 10)]
    assert re.search(r'class="outcome ([a-z-]+)"', block).group(1) == "not-run"
    assert set(re.findall(r'class="status ([a-z-]+)"', block)) == {"not-run"}
    assert "Why it did not run: not selected by this run (-k &#39;x&#39;)" in block
    assert "session stopped" not in page  # the run was a chosen subset, not cut short


def test_the_criteria_table_comes_first_and_the_panel_on_top(site):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    assert page.index('id="why"') < page.index('id="criteria"') < page.index('id="not-run"') < page.index('id="scenarios"')
    panel = fragment(page, f"why-{anchor(failing.key)}")
    assert f'href="orchestrator-TSE-0001.3a.html#{anchor(failing.key)}"' in panel  # the exact example row
    assert "pytest -p no:cacheprovider" in panel
    criteria = fragment(page, "criteria")
    assert f'failing example: <a href="#{anchor(failing.key)}">' in criteria


def test_each_step_shows_its_outcome_and_duration(site):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    details = page[page.index(f'id="{anchor(failing.key)}-steps"'):]
    details = details[:details.index("</details>")]
    statuses = re.findall(r'class="status ([a-z-]+)"><span aria-hidden="true">.</span> ([^<]*)<', details)
    assert [s for s, _ in statuses] == ["passed", "failed", "not-run"]
    assert "12 ms" in statuses[0][1] and "12 ms" in statuses[1][1] and "ms" not in statuses[2][1]
    assert 'href="../allure-results/0000-uuid-result.json"' in page


def test_a_passed_scenario_without_step_detail_never_shows_steps_not_run(model, tmp_path):
    catalogue, outlines = model
    ping = outline_named(outlines, "The healthcheck user can PING")
    case = ping.cases[0]
    results = {case.key: result(case, "passed", [], duration=0.0)}
    out = tmp_path / "docs"
    Site(catalogue, outlines, results, {"milestones": []}, RUN, out, None).write()
    block = fragment((out / "orchestrator-TSE-0001.3a.html").read_text(), anchor(case.key))
    assert "0.0 ms" not in block
    assert set(re.findall(r'class="status ([a-z-]+)"', block)) == {"passed"}


def test_examples_are_tables_and_names_are_escaped(site):
    out, ping, failing, acl = site
    page = (out / "orchestrator-TSE-0001.3a.html").read_text()
    assert '<table class="examples">' in page
    assert '<th scope="col">domain</th>' in page
    assert "The &lt;domain&gt; adapter can set, read and delete keys in its own namespace" in page
    assert "<user>" not in page


def test_history_keeps_the_last_runs_and_gives_each_criterion_its_last_pass_and_trend(model, tmp_path):
    catalogue, outlines = model
    ping = outline_named(outlines, "The healthcheck user can PING").cases[0]
    criterion = ping.criteria[0]
    path = tmp_path / "history.json"
    for number, outcome in enumerate(["passed", "failed", "passed", "failed"]):
        run = {**RUN, "generated": f"2026-01-0{number + 1}", "commit": f"c{number}"}
        results = {ping.key: result(ping, outcome, [])}
        Site(catalogue, outlines, results, {"milestones": []}, run, tmp_path / "docs", None,
             history_path=path).write()
    runs = history.load(path)
    assert [r["commit"] for r in runs] == ["c0", "c1", "c2", "c3"]
    row = fragment((tmp_path / "docs" / "orchestrator-TSE-0001.3a.html").read_text(), criterion)
    assert "2026-01-03 <code>c2</code>" in row  # the last pass
    assert 'aria-label="last 4 runs, oldest first: passed, failed, passed, failed"' in row
    kept = history.append(path, history.entry({"generated": "x", "commit": "y"}, {}, {}), keep=3)
    assert len(kept) == 3 and len(history.load(path)) == 3
    path.write_text("{not json")
    assert history.load(path) == [] and (tmp_path / "history.json.bad").is_file()


def test_the_ci_build_url_comes_from_the_ci_variables():
    assert environment.ci_build_url({}) is None
    assert environment.ci_build_url({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
                                     "GITHUB_RUN_ID": "42"}) == "https://github.com/o/r/actions/runs/42"
    assert environment.ci_build_url({"CI_JOB_URL": "https://gitlab/j/1"}) == "https://gitlab/j/1"
    assert environment.ci_build_url({"BUILD_URL": "https://jenkins/b/2/"}) == "https://jenkins/b/2/"


@pytest.mark.parametrize("names, kinds, where, expected", [
    (["AssertionError"], ["http", "redis"], "steps/probes/redis_probe.py:10 in run", failures.STACK),
    (["AssertionError"], ["redis", "grpc"], "steps/x.py:1 in f", failures.SERVICE),
    (["Failed"], ["http"], "steps/x.py:1 in f", failures.SERVICE),
    (["TypeError"], ["redis"], "steps/probes/redis_probe.py:10 in run", failures.HARNESS),
    (["KeyError"], [], "fixtures/plugin.py:3 in stack", failures.HARNESS),
    (["StackStartError", "HarnessError"], [], "trading_harness/targets/embedded.py:9 in up", failures.ENVIRONMENT),
    (["ConnectError"], ["http"], "steps/probes/service_probe.py:50 in call", failures.ENVIRONMENT),
    (["InsufficientPrivilege", "psycopg.errors.InsufficientPrivilege"], ["sql"], "steps/x.py:1 in f", failures.STACK),
])
def test_the_category_comes_from_the_exception_and_where_it_was_raised(names, kinds, where, expected):
    assert failures.categorize(names, "", where, kinds, []) == expected


def test_the_banner_names_what_makes_a_run_partial():
    full = {"scenarios": 600, "started": True, "subset": [], "reference_stack": True, "stack_dir": "/x/stack"}
    assert banner(full, {}) == []
    titles = [a["title"] for a in banner({**full, "scenarios": 0, "started": False}, {})]
    assert titles == ["0 scenarios ran"]
    titles = [a["title"] for a in banner({**full, "started": False, "subset": ["--milestone TSE-0001.3a"],
                                          "reference_stack": False, "substituted": {"exchange": "reference simulator"}},
                                         {"interrupted": True})]
    assert titles == ["The target did not start", "The run was interrupted", "A subset of the features ran",
                      "Not the reference stack", "Services replaced by reference simulators"]


def test_the_run_records_what_the_embedded_target_ran_in_a_services_place():
    from types import SimpleNamespace

    from fixtures.reporting import _substituted
    profile = SimpleNamespace(embedded={"exchange-go": "runs as the reference simulator exchange",
                                        "grafana": "left out: a third-party tool"})
    assert _substituted(SimpleNamespace(definition=SimpleNamespace(profile=profile))) == profile.embedded
    assert _substituted(SimpleNamespace(definition=SimpleNamespace(profile=SimpleNamespace(embedded={})))) == {}
