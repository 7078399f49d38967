"""The lint of a stack folder, run once per folder and session, and its findings as an assertion."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from trading_harness.lint.findings import LintReport
from trading_harness.lint.runner import lint


@cache
def report(stack_dir: Path) -> LintReport:
    return lint(stack_dir)


def assert_no_error(lint_report: LintReport, check: str) -> None:
    errors = lint_report.of(check, "error")
    assert not errors, f"{len(errors)} {check} finding(s):\n" + "\n".join(f.line() for f in errors)
