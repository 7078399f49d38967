"""`harness journal-check [REPO]`: a repository keeps its TODO journal in TODO.md or TODO-MASTER.md.

Component repositories use TODO.md, the project plan uses TODO-MASTER.md; either is accepted
without a warning. A repository with neither is reported and the command exits 1. Warnings are
for real problems only: an empty journal, a journal git does not track (a push would leave it
behind), or a TODO-HISTORY.md the journal points to that does not exist.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.errors import HarnessError

JOURNALS = ("TODO.md", "TODO-MASTER.md")
HISTORY = "TODO-HISTORY.md"
GIT_TIMEOUT = 10


@dataclass
class JournalReport:
    """What journal-check found in one repository."""

    repo: Path
    journals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(repo: Path) -> JournalReport:
    """Validate the TODO journal of `repo` (a directory; a git work tree is checked for tracking too)."""
    repo = Path(repo)
    if not repo.is_dir():
        raise HarnessError(f"{repo} is not a directory")
    report = JournalReport(repo, journals=[name for name in JOURNALS if (repo / name).is_file()])
    if not report.journals:
        report.errors.append(f"{repo}: no TODO journal: neither {' nor '.join(JOURNALS)} exists")
        return report
    tracked = _tracked(repo)
    for name in report.journals:
        text = (repo / name).read_text(errors="replace")
        if not text.strip():
            report.warnings.append(f"{name} is empty")
        if tracked is not None and name not in tracked:
            report.warnings.append(f"{name} is not tracked by git: a push leaves it behind")
        if HISTORY in text and not (repo / HISTORY).is_file():
            report.warnings.append(f"{name} points to {HISTORY}, which does not exist")
    return report


def _tracked(repo: Path) -> set[str] | None:
    """The journal files git tracks at the top of the work tree; None when repo is not a git work tree."""
    try:
        result = subprocess.run(["git", "-C", str(repo), "ls-files", "--", *JOURNALS, HISTORY],
                                capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        return None
    return set(result.stdout.split()) if result.returncode == 0 else None


def run(args) -> int:
    report = check(Path(args.repo))
    for name in report.journals:
        print(f"OK   {name}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"FAIL {error}")
    return 0 if report.ok else 1


def add_parser(sub) -> None:
    parser = sub.add_parser("journal-check", help="check that a repository has TODO.md or TODO-MASTER.md")
    parser.add_argument("repo", nargs="?", default=".", help="the repository (default: the current directory)")
    parser.set_defaults(run=run)
