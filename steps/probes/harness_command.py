"""Run the `harness` command the way an operator does: a subprocess, its exit status and output."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass

from trading_harness.masking import mask
from trading_harness.paths import project_root

COMMAND_ENV = "HARNESS_COMMAND"  # the harness's own tests point it at a deliberately broken command


@dataclass
class CommandResult:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        """The command, its exit status and the end of its output, secrets masked (for assertion messages)."""
        return mask(f"$ {shlex.join(self.argv)}\nexit {self.returncode}\n{self.stdout[-3000:]}{self.stderr[-2000:]}")


def harness_argv() -> list[str]:
    """HARNESS_COMMAND split like a shell would, else this checkout's `python -m trading_harness.cli.main`."""
    if os.environ.get(COMMAND_ENV):
        return shlex.split(os.environ[COMMAND_ENV])
    return [sys.executable, "-m", "trading_harness.cli.main"]


def run_harness(*args: str, timeout: float = 120, cwd=None, evidence=None, env: dict | None = None) -> CommandResult:
    argv = [*harness_argv(), *args]
    proc = subprocess.run(argv, cwd=cwd or project_root(), capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    result = CommandResult(argv, proc.returncode, proc.stdout, proc.stderr)
    if evidence is not None:
        evidence.record("command", shlex.join(argv), f"exit {result.returncode}\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return result
