"""The milestone catalogue covers milestones.md, points at real seed sections, and the features name it."""
from __future__ import annotations

import re
import shutil

import pytest

from trading_harness.reporting.allure_meta import CATEGORIES, category_of
from trading_harness.reporting.catalogue import CatalogueError, heading_anchor, load
from trading_harness.reporting.report import strip_analytics
from trading_harness.reporting.scenarios import parse_features

from ..conftest import REPO

CATALOGUE = REPO / "features" / "milestones.yml"
SHARED = REPO.parent / "shared"
MILESTONES_MD = SHARED / "spec" / "milestones.md"


@pytest.fixture(scope="module")
def catalogue():
    return load(CATALOGUE)


def spec_keys() -> set[str]:
    """Every component/ID key the spec's table names, its shorthand rows expanded."""
    if not MILESTONES_MD.is_file():
        pytest.skip(f"{MILESTONES_MD} is not beside the repository")
    keys = set()
    for line in MILESTONES_MD.read_text().splitlines():
        if not line.startswith("| ") or line.startswith("| key"):
            continue
        cell = line.split("|")[1]
        found = re.findall(r"([a-z-]+)/(TSE-[0-9.]+[a-z]?|[A-Za-z-]+)", cell)
        keys |= {f"{c}/{i}" for c, i in found}
        extra = re.search(r"\(and ([a-z, -]+)\)", cell)
        if extra:
            milestone_id = found[0][1]
            keys |= {f"{c.strip()}/{milestone_id}" for c in extra.group(1).split(",")}
    return keys


def test_the_catalogue_has_every_milestone_of_the_spec(catalogue):
    keys = spec_keys()
    assert len(keys) == 21
    assert keys == set(catalogue.milestones), f"missing {keys - set(catalogue.milestones)}, " \
                                              f"extra {set(catalogue.milestones) - keys}"


def test_every_milestone_links_to_a_real_heading_of_its_seed(catalogue):
    for milestone in catalogue.milestones.values():
        document = catalogue.seeds / milestone.document
        if not document.is_file():
            pytest.skip(f"{document} is not beside the repository")
        headings = {line.lstrip("#").strip() for line in document.read_text().splitlines() if line.startswith("#")}
        assert milestone.section in headings, f"{milestone.key}: no heading {milestone.section!r} in {document.name}"
        assert criteria_ok(milestone)


def criteria_ok(milestone) -> bool:
    return len(milestone.criteria) >= 4 and all(c.text.endswith((".", ")")) for c in milestone.criteria)


def test_twelve_b_is_two_milestones_and_a_bare_id_selects_both(catalogue):
    assert catalogue.select(["TSE-0001.12b"], []) == ["exchange/TSE-0001.12b", "market-data/TSE-0001.12b"]
    assert catalogue.select(["exchange/TSE-0001.12b"], []) == ["exchange/TSE-0001.12b"]
    assert len(catalogue.select(["TSE-0001.1a"], [])) == 4
    assert set(catalogue.select([], ["exchange"])) == {k for k in catalogue.milestones if k.startswith("exchange/")}
    with pytest.raises(CatalogueError, match="no such milestone"):
        catalogue.select(["TSE-0001.99"], [])
    with pytest.raises(CatalogueError, match="service-registry"):
        catalogue.select([], ["service-registry"])


def test_every_scenario_names_a_catalogue_criterion_and_3a_is_fully_encoded(catalogue):
    cases = [c for o in parse_features(REPO / "features", catalogue) for c in o.cases]
    assert len(cases) >= 197
    orphans = [(c.key, c.orphan) for c in cases if c.orphan]
    assert not orphans
    named = {criterion for c in cases for criterion in c.criteria}
    missing = [c.id for c in catalogue.milestones["orchestrator/TSE-0001.3a"].criteria if c.id not in named]
    assert not missing, f"TSE-0001.3a criteria no scenario names: {missing}"


@pytest.mark.parametrize("change, message", [
    (("id: orchestrator.3a.redis-ping,", "id: orchestrator.3a.Redis_Ping,"), "must be orchestrator.3a.<slug>"),
    (("id: orchestrator.3a.redis-memory-policy,", "id: orchestrator.3a.redis-ping,"), "appears twice"),
    (("severity: blocker", "severity: urgent"), "use one of blocker"),
    (("    title: Core Infrastructure Setup\n", ""), "missing title"),
    (("milestones:\n", "milestones:\n  no-slash:\n    title: x\n"), "component/ID"),
])
def test_a_broken_catalogue_is_one_readable_error(tmp_path, change, message):
    broken = tmp_path / "milestones.yml"
    text = CATALOGUE.read_text()
    assert change[0] in text
    broken.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load(broken)


def test_a_missing_catalogue_names_the_option(tmp_path):
    with pytest.raises(CatalogueError, match="--catalogue"):
        load(tmp_path / "none.yml")


def test_anchors_follow_markdown_headings():
    assert heading_anchor("🔗 Milestone TSE-0001.3b: Go Services gRPC Integration") == \
        "-milestone-tse-00013b-go-services-grpc-integration"
    assert heading_anchor("Milestone: TSE-0001.3a - Core Infrastructure Setup") == \
        "milestone-tse-00013a---core-infrastructure-setup"


@pytest.mark.parametrize("message, status, category", [
    ("AssertionError: exchange-adapter was allowed SET custodian:acceptance:key", "failed", "Product defects"),
    ("trading_harness.polling.DeadlineExceeded: entry expired: not true after 3.0s", "failed", "Product defects"),
    ("redis.exceptions.ConnectionError: Error 111 connecting to 127.0.0.1:6379.", "broken", "Infrastructure: timeout"),
    ("httpx.ConnectTimeout: timed out", "broken", "Infrastructure: timeout"),
    ("psycopg.OperationalError: connection failed: Connection refused", "broken", "Infrastructure: timeout"),
    ("TimeoutError: timed out", "broken", "Infrastructure: timeout"),
    ("trading_harness.errors.StackStartError: postgres did not become healthy", "broken", "Infrastructure: the stack"),
    ("Exit: the embedded stack is not usable: 'redis-server' was not found", "broken", "Infrastructure: the stack"),
    ("KeyError: 'status'", "broken", "Harness defects"),
])
def test_categories_separate_infrastructure_from_product_defects(message, status, category):
    assert (category_of(message, status) or "").startswith(category), category_of(message, status)
    assert len(CATEGORIES) == 4


def test_the_analytics_snippet_is_stripped():
    html = ('<body>\n<script src="assets/app.js"></script>\n'
            '    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n'
            "    <script>\n        window.dataLayer = window.dataLayer || [];\n"
            "        function gtag(){dataLayer.push(arguments);}\n        gtag('js', new Date());\n"
            "    </script>\n</body>")
    stripped = strip_analytics(html)
    assert "googletagmanager" not in stripped and "gtag" not in stripped
    assert '<script src="assets/app.js"></script>' in stripped


def test_the_catalogue_option_takes_a_copy(tmp_path):
    copy = tmp_path / "milestones.yml"
    shutil.copy(CATALOGUE, copy)
    assert set(load(copy).milestones) == set(load(CATALOGUE).milestones)
