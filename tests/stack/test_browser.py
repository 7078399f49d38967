"""A person's view: Debian's Chromium opens the living docs, reads why a scenario failed, filters, and axe-core
finds no serious or critical accessibility violation."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from trading_harness.reporting.catalogue import load

from .. import npm
from ..conftest import REPO
from ..repo import REDIS_ONLY
from ..shared_temp import exclusive
from .planted_failure import MILESTONE_PAGE, planted_run

SCREENSHOT = REPO / "reports" / "living-docs-index.png"
VERDICTS = {"PASS", "FAIL", "INCOMPLETE", "NOT RUN", "NOT ENCODED"}
# Headless in a closed network: no background connections, no first-run UI, a fresh profile.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
# The reader script's npm packages, pinned; installed once into a cache folder outside the repository.
NPM_PACKAGES = ("axe-core@4.14.1", "playwright-core@1.65.2")
READER = Path(__file__).parent / "browser" / "read_pages.js"


def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing; a skip only when it cannot be installed."""
    found = shutil.which("chromium")
    if found:
        return found
    if not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and this system has no apt-get to install it")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo"):
        pytest.skip("chromium is not installed, and installing it needs root or sudo")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = [[*sudo, "apt-get", "update", "-qq"],
             [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]]
    with exclusive(npm.cache_root() / "chromium.install.lock"):  # the other xdist worker's apt-get would hold dpkg's lock
        for argv in steps if not shutil.which("chromium") else []:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env)
            if proc.returncode != 0:
                pytest.skip(f"chromium is not installed and `{' '.join(argv)}` failed: {proc.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no 'chromium' executable is on PATH")
    return found


def node_modules() -> Path:
    """axe-core and playwright-core from the npm registry, in a cache folder (installed on first use)."""
    return npm.node_modules("browser-tools", NPM_PACKAGES, "axe-core/axe.min.js", "playwright-core")


def read_pages(pages: list[dict]) -> list[dict]:
    """Open each page in Chromium through the reader script; what it saw, per page."""
    browser, modules = chromium(), node_modules()
    job = {"axe": str(modules / "axe-core" / "axe.min.js"), "pages": pages}
    proc = subprocess.run(["node", str(READER), json.dumps(job)], capture_output=True, text=True, timeout=1200,
                          env={**os.environ, "NODE_PATH": str(modules), "CHROMIUM": browser})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def planted():
    run = planted_run()
    assert run.returncode == 1, run.output[-3000:]
    return run


def test_a_reader_sees_why_the_planted_failure_failed_and_can_filter(planted, tmp_path):
    page = planted.docs / MILESTONE_PAGE
    seen = read_pages([
        {"url": page.as_uri(), "read": ["#why", "#criteria"], "screenshot": str(tmp_path / "failure.png")},
        {"url": (planted.reports / "traceability.html").as_uri(),
         "filter": {"form": "form.filters", "field": "verdict", "value": "failed", "rows": "#matrix tbody tr"}},
        {"url": (planted.docs / "index.html").as_uri(), "read": ["#why"],
         "filter": {"form": "form.filters", "field": "verdict", "value": "FAIL", "rows": "#milestones tbody tr"}},
    ])
    milestone, trace, index = seen
    why = milestone["read"]["#why"]
    assert "Why it failed (1)" in why
    assert "The exchange adapter can set, read and delete keys in its own namespace" in why
    assert "stack defect" in why and "NOPERM" in why and "exchange-adapter" in why
    assert "pytest -p no:cacheprovider" in why and "--stack-dir" in why
    assert "failed" in milestone["read"]["#criteria"]
    assert "NOPERM" in index["read"]["#why"]
    assert trace["filterVisible"] and trace["rowsShown"] == 1 < trace["rowsTotal"] == trace["rowsAfterReset"]
    assert trace["output"] == f"1 of {trace['rowsTotal']} shown"
    assert index["rowsShown"] == 1 and index["rowsAfterReset"] == index["rowsTotal"] > 1
    assert not any(p["errors"] for p in seen), [p["errors"] for p in seen]
    assert (tmp_path / "failure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_axe_core_finds_no_serious_or_critical_violation(planted):
    pages = [planted.docs / "index.html", planted.docs / MILESTONE_PAGE, planted.reports / "traceability.html"]
    seen = read_pages([{"url": p.as_uri()} for p in pages])
    serious = {p["url"]: [v for v in p["violations"] if v["impact"] in ("serious", "critical")] for p in seen}
    assert not any(serious.values()), json.dumps(serious, indent=1)[:4000]


def test_the_living_docs_index_lists_the_milestones_with_verdicts(run_features, tmp_path):
    browser = chromium()
    result = run_features("-m", "redis and not acl", env=REDIS_ONLY)
    assert result.returncode == 0, result.output[-3000:]
    index = tmp_path / "reports" / "living-docs" / "index.html"
    profile = tmp_path / "chromium-profile"
    common = [browser, *FLAGS, f"--user-data-dir={profile}"]

    dom = subprocess.run([*common, "--dump-dom", index.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = re.findall(r'<tr id="[^"]+" data-milestone="([^"]+)" data-verdict="([^"]+)"', dom.stdout)
    catalogue = load(REPO / "features" / "milestones.yml")
    assert [key for key, _ in rows] == list(catalogue.milestones), "every milestone, in catalogue order"
    assert {verdict for _, verdict in rows} <= VERDICTS
    assert dict(rows)["orchestrator/TSE-0001.3a"] == "INCOMPLETE", "a narrowed run cannot pass the milestone"
    shown = re.findall(r'<span class="verdict [^"]*"><span aria-hidden="true">.</span> ([^<]+)</span>', dom.stdout)
    assert len(shown) >= len(rows) and set(shown) <= VERDICTS
    assert "A subset of the features ran" in dom.stdout  # the banner

    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = subprocess.run([*common, "--window-size=1300,1500", f"--screenshot={SCREENSHOT}", index.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and SCREENSHOT.stat().st_size > 20_000
