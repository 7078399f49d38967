"""The milestone gate: a verdict per selected milestone from the catalogue and the run's results.

Verdicts: FAIL when a scenario of the milestone failed or errored; else INCOMPLETE when the
milestone has no scenario that ran, or a criterion that no scenario that ran covers; else PASS.
"""
from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, field

import pytest

from trading_harness.reporting.catalogue import Catalogue
from trading_harness.reporting.results import Result
from trading_harness.reporting.scenarios import Case

PASS, FAIL, INCOMPLETE = "PASS", "FAIL", "INCOMPLETE"
EXIT_INCOMPLETE = 6  # pytest itself uses 0-5; 1 (tests failed) is what a FAIL exits with
RAN = ("passed", "failed", "error")


@dataclass
class Row:
    key: str
    title: str
    acceptance: str
    scenarios: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    criteria_total: int = 0
    covered: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    verdict: str = INCOMPLETE

    @property
    def criteria(self) -> str:
        return f"{len(self.covered)}/{self.criteria_total}"


@dataclass
class Gate:
    rows: list[Row]
    not_encoded: list[str]
    orphans: list[dict]
    explicit: bool
    allow_incomplete: bool
    stacks: list[dict] = field(default_factory=list)
    scenario_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def verdict(self) -> str | None:
        verdicts = {r.verdict for r in self.rows}
        for verdict in (FAIL, INCOMPLETE, PASS):
            if verdict in verdicts:
                return verdict
        return None

    def exit_status(self, pytest_status: int) -> int:
        """The session's exit status once the gate has spoken; other problems keep pytest's code."""
        if pytest_status not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED, pytest.ExitCode.TESTS_FAILED):
            return int(pytest_status)
        if self.verdict == FAIL:
            return int(pytest.ExitCode.TESTS_FAILED)
        if int(pytest_status) == pytest.ExitCode.TESTS_FAILED:
            return int(pytest_status)
        if self.verdict == INCOMPLETE:
            return 0 if self.allow_incomplete else EXIT_INCOMPLETE
        if self.verdict == PASS:
            return 0
        return int(pytest_status)

    def as_dict(self, pytest_status: int) -> dict:
        return {
            "verdict": self.verdict,
            "exit_status": self.exit_status(pytest_status),
            "allow_incomplete": self.allow_incomplete,
            "explicit_selection": self.explicit,
            "milestones": [{**asdict(r), "criteria": r.criteria} for r in self.rows],
            "not_encoded": self.not_encoded,
            "orphans": self.orphans,
            "timing": {"stack": self.stacks, "scenario_seconds": round(self.scenario_seconds, 3),
                       "wall_seconds": round(self.wall_seconds, 3)},
        }


def evaluate(catalogue: Catalogue, cases: dict[str, Case], results: list[Result], selected: list[str],
             explicit: bool, allow_incomplete: bool) -> Gate:
    """One row per selected milestone (or, with no explicit selection, per milestone that had a scenario)."""
    ran = [(cases.get(r.key), r) for r in results]
    if not explicit:
        seen = {k for case, _ in ran if case for k in case.milestones}
        selected = [k for k in catalogue.milestones if k in seen]
    rows = []
    for key in selected:
        milestone = catalogue.milestones[key]
        row = Row(key=key, title=milestone.title, acceptance=milestone.acceptance,
                  criteria_total=len(milestone.criteria))
        covered: set[str] = set()
        for case, result in ran:
            if case is None or key not in case.milestones:
                continue
            row.scenarios += 1
            row.passed += result.outcome == "passed"
            row.failed += result.outcome in ("failed", "error")
            row.skipped += result.outcome == "skipped"
            if result.outcome in RAN:
                covered.update(case.criteria)
        row.covered = [c.id for c in milestone.criteria if c.id in covered]
        row.uncovered = [c.id for c in milestone.criteria if c.id not in covered]
        row.verdict = FAIL if row.failed else INCOMPLETE if (not row.scenarios or row.uncovered) else PASS
        rows.append(row)
    encoded = {k for case in cases.values() for k in case.milestones}
    not_encoded = [k for k in catalogue.milestones if k not in encoded and k not in selected]
    orphans = [{"key": c.key, "name": c.name, "reason": c.orphan, "milestones": c.milestones}
               for c in cases.values() if c.orphan]
    scenario_seconds = sum(r.duration for r in results)
    return Gate(rows, not_encoded, orphans, explicit, allow_incomplete, scenario_seconds=scenario_seconds)


def render(gate: Gate, width: int = 100) -> list[str]:
    """The gate table and its footer, as terminal lines (notes wrapped to `width`)."""
    header = ("milestone", "scenarios", "passed", "failed", "skipped", "criteria", "verdict")
    table = [header] + [(r.key, str(r.scenarios), str(r.passed), str(r.failed), str(r.skipped), r.criteria, r.verdict)
                        for r in gate.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in table]
    if not gate.rows:
        lines.append("no milestone selected: no scenario of a catalogue milestone was collected")
    def note(text: str) -> None:
        lines.extend(textwrap.wrap(text, width=max(width, 60), subsequent_indent="    ", break_on_hyphens=False))

    for row in gate.rows:
        if row.verdict == INCOMPLETE:
            why = "no scenario ran" if not row.scenarios else "no scenario ran for " + ", ".join(row.uncovered)
            note(f"INCOMPLETE {row.key}: {why}")
    if gate.not_encoded:
        note(f"not encoded yet ({len(gate.not_encoded)}): {', '.join(gate.not_encoded)}")
    if gate.orphans:
        lines.append(f"orphan scenarios: {len(gate.orphans)} (see reports/traceability.html)")
    if gate.verdict == INCOMPLETE and gate.allow_incomplete:
        lines.append("--gate-allow-incomplete: INCOMPLETE does not fail this run")
    lines.append(footer(gate))
    return lines


def footer(gate: Gate) -> str:
    stacks = [s for s in gate.stacks if s.get("startup_seconds") is not None]
    if not stacks:
        stack = "stack start-up: not started"
    elif len(stacks) == 1:
        stack = f"stack start-up {stacks[0]['startup_seconds']:.2f}s ({stacks[0]['target']})"
    else:
        each = ", ".join(f"{s.get('worker') or '?'} {s['startup_seconds']:.2f}s" for s in stacks)
        stack = f"stack start-up ({stacks[0]['target']}, one per worker): {each}"
    return f"{stack} | scenario time {gate.scenario_seconds:.2f}s | wall {gate.wall_seconds:.2f}s"
