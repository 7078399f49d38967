"""`schemathesis run --checks all` against one published document: every check, every phase, both modes.

The command is the one a reader would type (see the README); its JSON report gives the test cases
generated and the failures per check. Derandomised (--seed), one worker, each run bounded by a timeout.
tests/schemathesis.toml holds the exceptions, each with its reason: 413 (the body size limit), a
readiness 503, and the four operations whose remaining rules JSON Schema cannot state.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

CONFIG = Path(__file__).with_name("schemathesis.toml")
COMMAND = (Path(sys.executable).parent / "schemathesis").as_posix()


@dataclass
class CliReport:
    api: str
    cases: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # "ST202 Schema-valid request rejected" -> count
    operations: list[str] = field(default_factory=list)  # the operations that failed, per failure
    errors: list[str] = field(default_factory=list)
    complete: bool = False
    output: str = ""

    def summary(self) -> str:
        failures = ", ".join(f"{name}: {count}" for name, count in self.failures.items()) or "0 failures"
        return (f"{self.api}: {self.cases} test cases, {failures}"
                + ("" if self.complete else " (incomplete)") + (f", {len(self.errors)} errors" if self.errors else ""))

    def details(self) -> str:
        """The failures as schemathesis printed them (operation, check, answer, curl to reproduce)."""
        start = self.output.find("FAILURES")
        return self.output[start if start >= 0 else 0:][-6000:]


def command(base_url: str, report: Path, *, examples: int, phases: str) -> list[str]:
    return [COMMAND, "--config-file", str(CONFIG), "--no-color", "run", f"{base_url}/openapi.json",
            "--checks", "all", "--mode", "all", "--phases", phases, "-n", str(examples), "--seed", "1",
            "-w", "1", "--request-timeout", "15", "--report", "json", "--report-json-path", str(report)]


def run(api: str, base_url: str, workdir: Path, *, examples: int = 5, timeout: float = 480.0,
        phases: str = "examples,coverage,fuzzing,stateful") -> CliReport:
    """One run; the report lists every failure schemathesis found, per check."""
    report_path = workdir / f"{api}.json"
    done = subprocess.run(command(base_url, report_path, examples=examples, phases=phases), cwd=workdir,
                          capture_output=True, text=True, timeout=timeout, check=False)
    result = CliReport(api, output=done.stdout + done.stderr)
    if not report_path.exists():
        result.errors.append(f"no report (exit {done.returncode}): {result.output[-2000:]}")
        return result
    data = json.loads(report_path.read_text())
    result.cases = data["test_cases"]["generated"]
    result.complete = bool(data["complete"])
    for failure in data["failures"]:
        result.failures[f"{failure['code']} {failure['title']}"] = failure["count"]
        result.operations += [f"{failure['code']} {operation}" for operation in failure["operations"]]
    result.errors += [json.dumps(error)[:300] for error in data["errors"]]
    return result
