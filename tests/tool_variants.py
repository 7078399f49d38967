"""Broken tools: the `harness` command with a defect (tests/broken_harness.py) and/or a broken stack/ copy.

The scenarios run `harness` through HARNESS_COMMAND (steps/probes/harness_command.py), so a
variant swaps in tests/broken_harness.py <defect>; `changes` edit a copy of stack/ as in tests/variants.py.
"""
from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

from .conftest import REPO
from .variants import Change


@dataclass(frozen=True)
class ToolVariant:
    selection: str  # -k expression: every scenario it selects must fail
    defect: str | None = None  # a defect of tests/broken_harness.py
    changes: list[Change] = field(default_factory=list)  # edits of a stack/ copy
    services: str = ""  # HARNESS_SERVICES ("" = the whole stack)


def run_variant(variant: ToolVariant, run_features, stack_copy, broken: bool, timeout: float = 420):
    args, env = ["-k", variant.selection], {"HARNESS_SERVICES": variant.services}
    if broken and variant.defect:
        env["HARNESS_COMMAND"] = shlex.join([sys.executable, str(REPO / "tests" / "broken_harness.py"), variant.defect])
    if broken and variant.changes:
        root = stack_copy()
        for change in variant.changes:
            change(root)
        args += ["--stack-dir", str(root)]
    return run_features(*args, env=env, timeout=timeout)


def assert_tool_variant_fails(variant: ToolVariant, run_features, stack_copy) -> None:
    result = run_variant(variant, run_features, stack_copy, broken=True)
    outcomes = result.outcomes()
    assert outcomes, f"'{variant.selection}' selects no scenario:\n{result.output[-2000:]}"
    assert set(outcomes.values()) == {"failed"}, (outcomes, result.output[-3000:])
    assert "StackConfigError" not in result.output, "failed for a reason other than the defect: " + result.output[-3000:]


def assert_tool_variants_pass(variants: dict[str, ToolVariant], run_features, stack_copy, minimum: int) -> None:
    """The union of the selections passed with the intact tools and stack (the session's shared run, tests/intact.py)."""
    selection = " or ".join(f"({v.selection})" for v in variants.values())
    run_features.intact_passed(selection, minimum=minimum)
