"""Sentences about the static checks of the stack definition (harness lint)."""
from __future__ import annotations

from pytest_bdd import given, parsers, then

from steps.probes import lint_probe
from trading_harness.definition import StackDefinition
from trading_harness.lint.findings import LintReport


@given("the lint of the stack definition", target_fixture="lint_report")
def lint_of_the_stack(stack_definition: StackDefinition) -> LintReport:
    return lint_probe.report(stack_definition.root)


@then(parsers.parse('its "{check}" check finds no error'))
def check_finds_no_error(lint_report: LintReport, check: str):
    lint_probe.assert_no_error(lint_report, check)
