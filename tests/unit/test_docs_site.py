"""The documentation: a short README in front of an mkdocs-material site that builds strictly,
CONTRIBUTING and a CHANGELOG in the Keep a Changelog form."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO

README_LIMIT = 200


def build(root: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=root,
                          capture_output=True, text=True, timeout=180, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of what the site is built from."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("mkdocs.yml", "README.md", "CONTRIBUTING.md", "CHANGELOG.md"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "docs", root / "docs")
    return root


def test_the_site_builds_strictly(tmp_path: Path):
    proc = build(REPO, tmp_path / "site")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for page in ("index.html", "quick-start/index.html", "contributing/index.html", "changelog/index.html",
                 "living-docs/index.html", "performance/index.html"):
        assert (tmp_path / "site" / page).is_file(), page


@pytest.mark.parametrize("plant, expected", [
    ("[a broken link](no-such-page.md)", "no-such-page.md"),
    ("[a broken anchor](#no-such-heading)", "no-such-heading"),
])
def test_a_broken_link_fails_the_build(scratch: Path, tmp_path: Path, plant: str, expected: str):
    page = scratch / "docs" / "targets.md"
    page.write_text(page.read_text() + f"\n{plant}\n")
    proc = build(scratch, tmp_path / "site")
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr


def test_an_orphan_page_fails_the_build(scratch: Path, tmp_path: Path):
    (scratch / "docs" / "orphan.md").write_text("# Nobody links here\n")
    proc = build(scratch, tmp_path / "site")
    assert proc.returncode != 0
    assert "orphan.md" in proc.stdout + proc.stderr


def test_the_readme_is_short_and_links_into_the_site():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= README_LIMIT, f"README.md has {len(lines)} lines; keep it at most {README_LIMIT}"
    text = "\n".join(lines)
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (REPO / target).exists(), f"README links to {target}, which does not exist"
    assert "docs/" in text


def test_the_changelog_keeps_a_changelog_form():
    text = (REPO / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.MULTILINE)
    assert versions and versions[0][0] == "Unreleased"
    released = [(v, d) for v, d in versions[1:]]
    assert released and all(re.fullmatch(r"\d+\.\d+\.\d+", v) and d for v, d in released), released
    assert [d for _, d in released] == sorted((d for _, d in released), reverse=True), "newest release first"
    sections = set(re.findall(r"^### (\w+)$", text, re.MULTILINE))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, sections
