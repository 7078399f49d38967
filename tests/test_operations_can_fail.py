"""Every operations and TODO-journal scenario fails against a deliberately broken `harness` command or hook.

The broken commands are tests/broken_harness.py <defect>, which the scenarios run when
HARNESS_COMMAND names it; the broken hooks are edits of stack/scripts/pre-push-hook.sh in a copy
of stack/. Every selected scenario must fail against its variant and pass against the intact tool.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

import pytest

from .conftest import REPO
from .variants import Change, text, uncovered_scenarios

# The whole stack: `validate` runs the features against the daemon's target file, which must list every service.
SERVICES = ""
HOOK = "scripts/pre-push-hook.sh"


@dataclass(frozen=True)
class ToolVariant:
    selection: str
    defect: str | None = None  # a defect of tests/broken_harness.py
    changes: list[Change] = field(default_factory=list)  # edits of a stack/ copy


VARIANTS = {
    # operations
    "start-silent": ToolVariant("start_brings_every_service_up", "start-silent"),
    "status-always-running": ToolVariant("status_shows_each_service", "status-always-running"),
    "health-skips-infrastructure": ToolVariant("health_lists_every_service or health_exits_nonzero",
                                               "health-skips-infrastructure"),
    "health-always-ok": ToolVariant("health_exits_nonzero", "health-always-ok"),
    "logs-first-only": ToolVariant("logs_shows_the_logs_of_every_service", "logs-first-only"),
    "logs-ignore-service": ToolVariant("logs_of_one_named_service", "logs-ignore-service"),
    "validate-selects-nothing": ToolVariant("validate_passes_on_a_healthy_stack", "validate-selects-nothing"),
    "validate-always-passes": ToolVariant("validate_exits_nonzero", "validate-always-passes"),
    "stop-deletes-data": ToolVariant("stop_stops_every_service", "stop-deletes-data"),
    "restart-only-stops": ToolVariant("restart_stops_and_starts", "restart-only-stops"),
    "clean-keeps-data": ToolVariant("clean_stops_every_service", "clean-keeps-data"),
    # TODO journal
    "journal-warns-about-the-other-file": ToolVariant("journalcheck_accepts_a_repository",
                                                      "journal-warns-about-the-other-file"),
    "journal-needs-todo-md": ToolVariant("journalcheck_accepts_a_repository and MASTER", "journal-needs-todo-md"),
    "journal-accepts-anything": ToolVariant("journalcheck_reports_a_repository_without", "journal-accepts-anything"),
    "hook-knows-only-todo-md": ToolVariant(
        "prepush_hook_lets_a_repository and MASTER",
        changes=[text(HOOK, "for name in TODO.md TODO-MASTER.md; do", "for name in TODO.md; do")]),
    "hook-knows-only-todo-master": ToolVariant(
        "prepush_hook_lets_a_repository and not MASTER",
        changes=[text(HOOK, "for name in TODO.md TODO-MASTER.md; do", "for name in TODO-MASTER.md; do")]),
    "hook-lets-anything-through": ToolVariant(
        "prepush_hook_refuses",
        changes=[text(HOOK, "(project plan)\" >&2\n    exit 1", "(project plan)\" >&2\n    exit 0")]),
}


def _run(variant: ToolVariant, run_features, stack_copy, broken: bool):
    args, env = ["-k", variant.selection], {"HARNESS_SERVICES": SERVICES}
    if broken and variant.defect:
        env["HARNESS_COMMAND"] = shlex.join([sys.executable, str(REPO / "tests" / "broken_harness.py"), variant.defect])
    if broken and variant.changes:
        root = stack_copy()
        for change in variant.changes:
            change(root)
        args += ["--stack-dir", str(root)]
    return run_features(*args, env=env, timeout=420)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_tool(name, run_features, stack_copy):
    result = _run(VARIANTS[name], run_features, stack_copy, broken=True)
    outcomes = result.outcomes()
    assert outcomes, f"'{VARIANTS[name].selection}' selects no scenario:\n{result.output[-2000:]}"
    assert set(outcomes.values()) == {"failed"}, (outcomes, result.output[-3000:])
    assert "StackConfigError" not in result.output, "failed for a reason other than the defect: " + result.output[-3000:]


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_tools(run_features, stack_copy):
    selection = " or ".join(f"({v.selection})" for v in VARIANTS.values())
    result = _run(ToolVariant(selection), run_features, stack_copy, broken=False)
    outcomes = result.outcomes()
    assert len(outcomes) >= 17, outcomes
    assert result.returncode == 0, result.output[-3000:]
    assert set(outcomes.values()) == {"passed"}, outcomes


def test_every_operations_and_journal_scenario_has_a_broken_variant():
    names = {n: v for n, v in VARIANTS.items()}
    uncovered = [s for s in uncovered_scenarios("orchestrator", names, minimum=17)
                 if s.startswith(("test_journalcheck", "test_the_prepush", "test_start_", "test_stop_", "test_restart_",
                                  "test_clean_", "test_status_", "test_validate_", "test_logs_", "test_health_"))]
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
