"""A person's view: headless Chromium opens the living docs and sees every milestone with its verdict."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from trading_harness.reporting.catalogue import load

from ..conftest import REPO

SCREENSHOT = REPO / "reports" / "living-docs-index.png"
VERDICTS = {"PASS", "FAIL", "INCOMPLETE", "NOT RUN", "NOT ENCODED"}
# Headless in a closed network: no background connections, no first-run UI, a fresh profile.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


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
    for argv in steps:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, env=env)
        if proc.returncode != 0:
            pytest.skip(f"chromium is not installed and `{' '.join(argv)}` failed: {proc.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no 'chromium' executable is on PATH")
    return found


def test_the_living_docs_index_lists_the_milestones_with_verdicts(run_features, tmp_path):
    browser = chromium()
    result = run_features("-m", "redis and not acl")
    assert result.returncode == 0, result.output[-3000:]
    index = tmp_path / "reports" / "living-docs" / "index.html"
    profile = tmp_path / "chromium-profile"
    common = [browser, *FLAGS, f"--user-data-dir={profile}"]

    dom = subprocess.run([*common, "--dump-dom", index.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rows = re.findall(r'<tr data-milestone="([^"]+)" data-verdict="([^"]+)"', dom.stdout)
    catalogue = load(REPO / "features" / "milestones.yml")
    assert [key for key, _ in rows] == list(catalogue.milestones), "every milestone, in catalogue order"
    assert {verdict for _, verdict in rows} <= VERDICTS
    assert dict(rows)["orchestrator/TSE-0001.3a"] == "INCOMPLETE", "a narrowed run cannot pass the milestone"
    shown = re.findall(r'<span class="verdict [^"]*">([^<]+)</span>', dom.stdout)
    assert len(shown) >= len(rows) and set(shown) <= VERDICTS | {"INCOMPLETE"}

    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    shot = subprocess.run([*common, "--window-size=1300,1500", f"--screenshot={SCREENSHOT}", index.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and SCREENSHOT.stat().st_size > 20_000
