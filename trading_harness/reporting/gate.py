"""The milestone gate: a verdict per selected milestone from the catalogue and the run's results.

Verdicts: FAIL when a scenario of the milestone failed or errored; else INCOMPLETE when the
milestone has no scenario that ran, a criterion that no scenario that ran covers, or a scenario that
should have run and did not (never collected, dropped by a hook, cut off); else PASS.
"""
from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass, field

import pytest

from trading_harness.reporting.catalogue import Catalogue
from trading_harness.reporting.results import Result
from trading_harness.reporting.scenarios import Case
from trading_harness.termination import SIGTERM_EXIT

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
    flaky: int = 0  # passed only on a retry (pytest-rerunfailures): a pass unless --strict
    skipped: int = 0
    criteria_total: int = 0
    covered: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)  # scenarios that should have run and did not
    advisories: list[dict] = field(default_factory=list)  # @hardening scenarios that failed (not counted unless strict)
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
    strict: bool = False  # @hardening scenarios count toward the verdicts
    stacks: list[dict] = field(default_factory=list)
    interrupted: bool = False  # Ctrl-C or SIGTERM: the verdicts cover what ran before it
    terminated: bool = False  # SIGTERM: the run exits 143
    only_advisories_failed: bool = False  # every failed test was a @hardening advisory
    missing_shards: list[str] = field(default_factory=list)  # `harness gate merge`: shards that never reported
    scenario_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def advisory_keys(self) -> set[str]:
        return {a["key"] for row in self.rows for a in row.advisories}

    @property
    def verdict(self) -> str | None:
        verdicts = {r.verdict for r in self.rows}
        if self.missing_shards:
            verdicts.add(INCOMPLETE)
        for verdict in (FAIL, INCOMPLETE, PASS):
            if verdict in verdicts:
                return verdict
        return None

    def exit_status(self, pytest_status: int) -> int:
        """The session's exit status once the gate has spoken; other problems keep pytest's code."""
        if self.terminated:
            return SIGTERM_EXIT
        if self.only_advisories_failed and pytest_status == pytest.ExitCode.TESTS_FAILED:
            pytest_status = pytest.ExitCode.OK
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
            "interrupted": self.interrupted,
            "terminated": self.terminated,
            "exit_status": self.exit_status(pytest_status),
            "allow_incomplete": self.allow_incomplete,
            "strict": self.strict,
            "explicit_selection": self.explicit,
            "milestones": [{**asdict(r), "criteria": r.criteria} for r in self.rows],
            "not_encoded": self.not_encoded,
            "orphans": self.orphans,
            "missing_shards": self.missing_shards,
            "timing": {"stack": self.stacks, "scenario_seconds": round(self.scenario_seconds, 3),
                       "wall_seconds": round(self.wall_seconds, 3)},
        }


def evaluate(catalogue: Catalogue, cases: dict[str, Case], results: list[Result], selected: list[str],
             explicit: bool, allow_incomplete: bool, missing: dict[str, str] | None = None,
             strict: bool = False) -> Gate:
    """One row per selected milestone (or, with no explicit selection, per milestone that had a scenario).

    `missing` maps the key of each scenario that should have run and did not to the reason (selection.py).
    """
    missing = {k: why for k, why in (missing or {}).items() if strict or not cases[k].hardening}
    ran = [(cases.get(r.key), r) for r in results]
    if not explicit:
        seen = {k for case, _ in ran if case for k in case.milestones}
        seen |= {k for key in missing for k in cases[key].milestones}
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
            flaky = result.outcome == "passed" and getattr(result, "flaky", False)
            row.flaky += flaky
            row.passed += result.outcome == "passed" and not (flaky and strict)
            if flaky and strict:
                row.failed += 1
            if result.outcome in ("failed", "error"):
                if case.hardening and not strict:
                    row.advisories.append({"key": case.key, "name": case.name, "message": result.message})
                else:
                    row.failed += 1
            row.skipped += result.outcome == "skipped"
            if result.outcome in RAN:
                covered.update(case.criteria)
        row.covered = [c.id for c in milestone.criteria if c.id in covered]
        row.uncovered = [c.id for c in milestone.criteria if c.id not in covered]
        row.missing = [{"key": k, "name": cases[k].name, "reason": why} for k, why in sorted(missing.items())
                       if key in cases[k].milestones]
        row.verdict = FAIL if row.failed else INCOMPLETE if (not row.scenarios or row.uncovered or row.missing) else PASS
        rows.append(row)
    encoded = {k for case in cases.values() for k in case.milestones}
    not_encoded = [k for k in catalogue.milestones if k not in encoded and k not in selected]
    orphans = [{"key": c.key, "name": c.name, "reason": c.orphan, "milestones": c.milestones}
               for c in cases.values() if c.orphan]
    scenario_seconds = sum(r.duration for r in results)
    return Gate(rows, not_encoded, orphans, explicit, allow_incomplete, strict=strict,
                scenario_seconds=scenario_seconds)


def render(gate: Gate, width: int = 100) -> list[str]:
    """The gate table and its footer, as terminal lines (notes wrapped to `width`)."""
    header = ("milestone", "scenarios", "passed", "failed", "flaky", "skipped", "criteria", "verdict")
    table = [header] + [(r.key, str(r.scenarios), str(r.passed), str(r.failed), str(r.flaky), str(r.skipped), r.criteria,
                         r.verdict) for r in gate.rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in table]
    if not gate.rows:
        lines.append("no milestone selected: no scenario of a catalogue milestone was collected")
    def note(text: str) -> None:
        lines.extend(textwrap.wrap(text, width=max(width, 60), subsequent_indent="    ", break_on_hyphens=False))

    for row in gate.rows:
        if row.verdict == INCOMPLETE:
            whys = []
            if not row.scenarios:
                whys.append("no scenario ran")
            elif row.uncovered:
                whys.append("no scenario ran for " + ", ".join(row.uncovered))
            if row.missing:
                whys.append(f"{len(row.missing)} scenario(s) did not run: " + "; ".join(
                    f"{m['key']} '{m['name']}' ({m['reason']})" for m in row.missing[:5])
                    + (f"; and {len(row.missing) - 5} more" if len(row.missing) > 5 else ""))
            note(f"INCOMPLETE {row.key}: {'; '.join(whys)}")
    for row in gate.rows:
        if row.advisories:
            note(f"ADVISORY {row.key}: {len(row.advisories)} @hardening scenario(s) failed; they fail the milestone "
                 "only with --strict: " + "; ".join(f"{a['key']} '{a['name']}'" for a in row.advisories[:5])
                 + (f"; and {len(row.advisories) - 5} more" if len(row.advisories) > 5 else ""))
    if gate.not_encoded:
        note(f"not encoded yet ({len(gate.not_encoded)}): {', '.join(gate.not_encoded)}")
    if gate.orphans:
        lines.append(f"orphan scenarios: {len(gate.orphans)} (see reports/traceability.html)")
    for shard in gate.missing_shards:
        note(f"INCOMPLETE: {shard}")
    if gate.terminated:
        note("INTERRUPTED by SIGTERM (terminated, exit 143): the verdicts cover only what ran before it")
    elif gate.interrupted:
        note("INTERRUPTED: the run was stopped (Ctrl-C); the verdicts cover only what ran before it")
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
