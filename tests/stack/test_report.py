"""`harness report` builds the Allure HTML offline, without analytics, with history carried across runs."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from ..conftest import REPO


def harness_report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "report", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=900)


def external_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(https?://[^"]+)"', html)


def test_report_builds_the_allure_html_with_history_and_links_the_living_docs(run_features, tmp_path):
    result = run_features("-m", "redis and not acl", env={"HARNESS_SERVICES": "redis,postgres"})  # both versions
    assert result.returncode == 0, result.output[-3000:]
    reports = tmp_path / "reports"
    args = ("--reports-dir", str(reports), "--results", str(result.allure))

    first = harness_report(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    out = reports / "allure-report"
    html = (out / "index.html").read_text()
    assert "googletagmanager" not in html and "gtag(" not in html, "the analytics snippet is stripped"
    assert not external_references(html), "nothing is fetched from the network"
    assert len(list((out / "data" / "test-cases").glob("*.json"))) == 3
    environment = json.loads((out / "widgets" / "environment.json").read_text())
    assert {"target", "redis.version", "postgresql.version", "python.version", "git.commit"} <= \
        {e["name"] for e in environment}
    categories = {c["name"] for c in json.loads((out / "data" / "categories.json").read_text())["children"]}
    assert categories == set(), "every scenario passed, so no category has a result"
    behaviors = (out / "data" / "behaviors.json").read_text()
    assert "orchestrator/TSE-0001.3a" in behaviors and "orchestrator.3a.redis-ping" in behaviors

    docs = (reports / "living-docs" / "orchestrator-TSE-0001.3a.html").read_text()
    assert docs.count("../allure-report/index.html#testresult/") == 3, "each scenario links to its report page"

    second = harness_report(*args)
    assert second.returncode == 0, second.stdout + second.stderr
    trend = json.loads((out / "widgets" / "history-trend.json").read_text())
    assert len(trend) == 2, "the trend carries the previous report"
    assert (reports / "allure-history" / "history.json").is_file()

    single = harness_report(*args, "--single-file", "-o", str(tmp_path / "single"))
    assert single.returncode == 0, single.stdout + single.stderr
    files = [p.name for p in (tmp_path / "single").iterdir()]
    assert files == ["index.html"]
    html = (tmp_path / "single" / "index.html").read_text()
    assert "googletagmanager" not in html and "gtag(" not in html and not external_references(html)


def test_report_without_results_says_what_to_do(tmp_path):
    proc = harness_report("--reports-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "run `pytest features/` first" in proc.stderr
