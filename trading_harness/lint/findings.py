"""A lint finding: one line naming where, how bad, what is wrong and the fix."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.masking import mask

ERROR, WARNING, NOTE = "error", "warning", "note"


def where(path: Path, line: int | None = None) -> str:
    """`file:line`, the file relative to the working directory when it lies below it."""
    path = Path(path)
    try:
        shown = os.path.relpath(os.path.abspath(path), Path.cwd().resolve())
        if shown.startswith(".."):
            raise ValueError(shown)
    except ValueError:
        shown = os.fspath(path)
    return f"{shown}:{line}" if line else shown


@dataclass(frozen=True)
class Finding:
    check: str       # the check family: init-sql, redis-config, credentials, ports, compose, dangerous
    severity: str    # error, warning or note
    location: str    # file:line, or file:line (service S, VARIABLE)
    message: str     # what is wrong
    fix: str = ""    # what to do about it

    def line(self) -> str:
        fix = f"; fix: {self.fix}" if self.fix else ""
        return mask(f"{self.location}: {self.severity} [{self.check}]: {self.message}{fix}".replace("\n", " "))


@dataclass
class LintReport:
    stack_dir: Path
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, *findings: Finding) -> None:
        self.findings.extend(findings)

    def of(self, check: str, severity: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.check == check and (severity is None or f.severity == severity)]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def lines(self, check: str | None = None) -> list[str]:
        return [f.line() for f in self.findings if check is None or f.check == check]

    def summary(self) -> str:
        return (f"{where(self.stack_dir)}: {len(self.errors)} error(s), {len(self.warnings)} warning(s), "
                f"{len(self.findings) - len(self.errors) - len(self.warnings)} note(s) in {self.seconds:.1f}s")
