"""Every operations and TODO-journal scenario fails against a deliberately broken `harness` command or hook.

The broken commands are tests/broken_harness.py <defect>, which the scenarios run when
HARNESS_COMMAND names it; the broken hooks are edits of stack/scripts/pre-push-hook.sh in a copy
of stack/. Every selected scenario must fail against its variant and pass against the intact tool.
"""
from __future__ import annotations

import pytest

from ..tool_variants import ToolVariant, assert_tool_variant_fails, assert_tool_variants_pass
from ..variants import text, uncovered_scenarios

# Operations variants run the whole stack (ToolVariant.services ""): `validate` runs the features
# against the daemon's target file, which must list every service of the compose file.
HOOK = "scripts/pre-push-hook.sh"


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


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scenario_fails_against_broken_tool(name, run_features, stack_copy):
    assert_tool_variant_fails(VARIANTS[name], run_features, stack_copy)


@pytest.mark.slow
def test_the_same_scenarios_pass_against_the_intact_tools(run_features, stack_copy):
    assert_tool_variants_pass(VARIANTS, run_features, stack_copy, minimum=17)


def test_every_operations_and_journal_scenario_has_a_broken_variant():
    uncovered = [s for s in uncovered_scenarios("orchestrator", VARIANTS, minimum=17)
                 if s.startswith(("test_journalcheck", "test_the_prepush", "test_start_", "test_stop_", "test_restart_",
                                  "test_clean_", "test_status_", "test_validate_", "test_logs_", "test_health_"))]
    assert not uncovered, f"scenarios no broken variant selects: {uncovered}"
