"""A features run against a stack with a planted defect: the living docs say why it failed, with the evidence,
the command that reruns it, a banner for a subset on a foreign stack, and links that hold."""
from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from trading_harness.reporting import catalogue, history

from ..conftest import REPO
from .planted_failure import MILESTONE_PAGE, planted_run


def fragment(page: str, element_id: str) -> str:
    """The HTML of the element with this id, up to its closing tag (rows and spans here do not nest)."""
    start = page.index(f'id="{element_id}"')
    tag = page.rfind("<", 0, start)
    name = re.match(r"<(\w+)", page[tag:]).group(1)
    return page[tag:page.index(f"</{name}>", start)]


@pytest.fixture(scope="module")
def planted():
    run = planted_run()
    assert run.returncode == 1, run.output[-3000:]
    return run


def why_panel(page: str) -> str:
    return fragment(page, "why")


def test_the_why_it_failed_panel_names_the_example_the_category_and_the_evidence(planted):
    page = planted.page()
    panel = page[page.index('id="why"'):page.index('id="criteria"')]
    articles = re.findall(r'<article class="failure" id="why-([^"]+)"', panel)
    assert len(articles) == 1, "only the exchange row fails"
    row = articles[0]
    assert f'href="{MILESTONE_PAGE}#{row}"' in panel and f'<tr id="{row}">' in page  # links to the exact row
    assert "exchange" in fragment(page, row)
    assert "stack defect" in panel
    assert "NOPERM" in panel  # the reply, inline
    assert "Ran as (user or role):</strong> <code>exchange-adapter</code>" in panel
    assert "[redis as exchange-adapter] &gt; exchange-adapter: SET" in panel
    assert "log (last 40 lines)" in panel  # the service log tails, expanded
    assert "exchange-pass" not in page  # the adapter's password stays masked
    message = re.search(r'<pre class="message">(.*?)</pre>', panel, re.S).group(1)
    assert "\n" in message.strip(), "the full message, not one line"
    index = (planted.docs / "index.html").read_text()
    assert f'href="{MILESTONE_PAGE}#{row}"' in why_panel(index) and "stack defect" in why_panel(index)


def test_the_rerun_command_reruns_just_that_scenario(planted, tmp_path):
    panel = why_panel(planted.page())
    command = re.search(r'<code class="rerun">(.*?)</code>', panel, re.S).group(1)
    argv = shlex.split(command.replace("&#39;", "'").replace("&amp;", "&"))
    assert argv[0] == "pytest" and "--stack-dir" in argv and str(planted.stack) in argv
    proc = subprocess.run([sys.executable, "-m", *argv, "-q", f"--reports-dir={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HARNESS_SERVICES": "redis,postgres,service-registry"})
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert re.search(r"\b1 failed\b", proc.stdout) and "passed" not in proc.stdout.splitlines()[-1]


def test_the_banner_says_the_run_was_a_subset_on_a_foreign_stack(planted):
    for name in ("index.html", MILESTONE_PAGE):
        page = (planted.docs / name).read_text()
        banner = page[page.index('aria-label="Run warnings"'):page.index("<main>")]
        assert "A subset of the features ran" in banner and "-k" in banner
        assert "Not the reference stack" in banner and str(planted.stack) in banner
    trace = (planted.reports / "traceability.html").read_text()
    assert "A subset of the features ran" in trace


def test_not_run_reasons_are_true_for_a_chosen_subset(planted):
    page = planted.page()
    not_run = page[page.index('id="not-run"'):page.index('id="scenarios-title"')]
    assert "not selected by this run (-k" in not_run
    assert "session stopped" not in page


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


@functools.cache
def parsed(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text())
    return links


def test_links_go_both_ways_and_stay_inside_the_reports(planted):
    reports = planted.reports.resolve()
    pages = [planted.docs / "index.html", planted.docs / MILESTONE_PAGE, planted.reports / "traceability.html"]
    checked = 0
    for page in pages:
        for href in parsed(page).hrefs:
            url = urlsplit(href)
            if url.scheme:
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page.resolve()
            assert target.is_relative_to(reports), f"{page.name}: {href} leaves reports/"
            assert target.exists(), f"{page.name}: {href} is broken"
            if url.fragment and target.suffix == ".html":
                assert url.fragment in parsed(target).ids, f"{page.name}: {href} has no such anchor"
            checked += 1
    assert checked > 100
    trace = (planted.reports / "traceability.html").read_text()
    commit = json.loads((planted.reports / "run.json").read_text())["run"]["commit"]
    assert commit in trace and re.search(r"Run \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", trace)
    assert f'href="living-docs/{MILESTONE_PAGE}#orchestrator.3a.' in trace  # to the criteria
    assert f'href="living-docs/{MILESTONE_PAGE}#s-' in trace  # to the scenarios
    page = planted.page()
    assert 'href="../traceability.html#t-orchestrator-3a-' in page or 'href="../traceability.html#t-' in page
    # the seeds beside the checkout (../shared/seeds): linked and copied
    if catalogue.load(REPO / "features" / "milestones.yml").seeds.is_dir():
        assert re.search(r'href="seeds/[^"]+\.md#', page) and list((planted.docs / "seeds").glob("*.md"))
    else:  # a checkout without them: the source is named, never linked to a page that does not exist
        assert "(the seeds are not in this checkout)" in page and not re.search(r'href="seeds/', page)


def test_history_and_the_environment_block(planted):
    runs = history.load(planted.reports / "history.json")
    assert len(runs) == 1 and "orchestrator.3a." in " ".join(runs[0]["criteria"])
    index = (planted.docs / "index.html").read_text()
    env = fragment(index, "environment-table")
    for fact in ("pytest", "redis", "commit", "target", "CI build"):
        assert fact in env
    assert "living docs rendered in" in planted.output
