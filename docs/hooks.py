"""mkdocs hooks: CONTRIBUTING.md and CHANGELOG.md become pages, and the living docs of the reference
run (reports/living-docs/, written by `pytest features/`, or HARNESS_LIVING_DOCS) are published under living-docs/."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
LIVING_DOCS = Path(os.environ.get("HARNESS_LIVING_DOCS") or ROOT / "reports" / "living-docs")  # .ci/run names its run's
NOT_YET = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Living docs</title>
<main><h1>Living docs not generated</h1><p>Run <code>pytest features/</code>, then build the site again:
the living docs of that run are published here.</p></main></html>
"""


def _page(name: str, source: str) -> str:
    """A root Markdown file as a page; links to docs/ lose that prefix, links to root files become pages."""
    text = re.sub(r"\]\(docs/", "](", (ROOT / source).read_text())
    return text.replace("](CHANGELOG.md)", "](changelog.md)").replace("](CONTRIBUTING.md)", "](contributing.md)")


def on_files(files: Files, config) -> Files:
    files.append(File.generated(config, "contributing.md", content=_page("contributing.md", "CONTRIBUTING.md")))
    files.append(File.generated(config, "changelog.md", content=_page("changelog.md", "CHANGELOG.md")))
    if (LIVING_DOCS / "index.html").is_file():
        for path in sorted(LIVING_DOCS.rglob("*")):
            if path.is_file() and path.suffix != ".md":  # the seeds' .md copies are not pages: on_post_build
                rel = path.relative_to(LIVING_DOCS).as_posix()
                files.append(File.generated(config, f"living-docs/{rel}", abs_src_path=str(path)))
    else:
        files.append(File.generated(config, "living-docs/index.html", content=NOT_YET))
    return files


def on_post_build(config) -> None:
    """The living docs' copies of the seed documents (.md), as they are: the living docs link to them."""
    if (LIVING_DOCS / "index.html").is_file():
        for path in LIVING_DOCS.rglob("*.md"):
            target = Path(config["site_dir"]) / "living-docs" / path.relative_to(LIVING_DOCS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
