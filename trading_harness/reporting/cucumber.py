"""Cucumber JSON that says what happened: skipped scenarios (with the reason) and undefined steps.

pytest-bdd's writer leaves out a scenario skipped before its steps ran (pytest-bdd #567), marks
the steps of a scenario skipped mid-way as passed, and drops an undefined step and those after it.
This subclass writes the same document with every step of every scenario that was reported:
`skipped` (the reason as the first skipped step's error_message), `undefined` (with its text).
"""
from __future__ import annotations

from pytest_bdd.cucumber_json import LogBDDCucumberJSON
from pytest_bdd.reporting import test_report_context_registry

from trading_harness.masking import mask
from trading_harness.reporting.results import REPORT_ATTR, skip_reason
from trading_harness.reporting.scenarios import Outline

UNDEFINED_MARK = "Step definition is not found"


class HarnessCucumberJSON(LogBDDCucumberJSON):
    def __init__(self, logfile: str, outlines: list[Outline]) -> None:
        super().__init__(logfile)
        self.by_key = {case.key: (outline, case) for outline in outlines for case in outline.cases}

    def pytest_runtest_logreport(self, report) -> None:
        if getattr(report, "outcome", None) == "rerun":
            return  # a failed attempt that runs again: only the last attempt is the scenario's result
        data = getattr(report, REPORT_ATTR, None)
        key = data.get("key") if isinstance(data, dict) else None
        if report.when == "setup" and report.skipped and key in self.by_key:
            self._add_skipped_before_steps(report, key)
            return
        if report.when != "call" or report not in test_report_context_registry:
            return
        before = self._count()
        super().pytest_runtest_logreport(report)
        if self._count() > before and key in self.by_key:
            self._complete_steps(report, key)

    def _count(self) -> int:
        return sum(len(f["elements"]) for f in self.features.values())

    def _scenario_steps(self, key: str) -> tuple[dict, list]:
        outline, case = self.by_key[key]
        template = outline.template
        scenario = template.render(case.example or {})
        return {"template": template, "scenario": scenario, "case": case}, list(scenario.steps)

    def _add_skipped_before_steps(self, report, key: str) -> None:
        found, steps = self._scenario_steps(key)
        template, case = found["template"], found["case"]
        feature = template.feature
        entry = self.features.setdefault(feature.filename, {
            "keyword": feature.keyword, "uri": feature.rel_filename, "name": feature.name or feature.rel_filename,
            "id": feature.rel_filename.lower().replace(" ", "-"), "line": feature.line_number,
            "description": feature.description, "language": feature.language,
            "tags": [{"name": t, "line": feature.line_number - 1} for t in sorted(feature.tags)], "elements": []})
        reason = mask(skip_reason(report))
        entry["elements"].append({
            "keyword": template.keyword, "id": report.nodeid.split("::")[-1], "name": case.name,
            "line": template.line_number, "description": template.description or "",
            "tags": [{"name": t, "line": template.line_number - 1} for t in case.tags], "type": "scenario",
            "steps": [_step(step, "skipped", reason if i == 0 else None) for i, step in enumerate(steps)]})

    def _complete_steps(self, report, key: str) -> None:
        element = self.features[test_report_context_registry[report].scenario["feature"]["filename"]]["elements"][-1]
        _, steps = self._scenario_steps(key)
        reported = element["steps"]
        if report.skipped:
            reason = mask(skip_reason(report))
            for index, step in enumerate(reported):
                if index == len(reported) - 1:  # the step that skipped
                    step["result"] = {"status": "skipped", "duration": step["result"]["duration"], "error_message": reason}
            reported += [_step(step, "skipped") for step in steps[len(reported):]]
        elif report.failed and UNDEFINED_MARK in str(report.longrepr):
            undefined = steps[len(reported)] if len(reported) < len(steps) else None
            if undefined is not None:
                reported.append(_step(undefined, "undefined",
                                      f"{UNDEFINED_MARK}: {undefined.keyword} {undefined.name}".strip()))
                reported += [_step(step, "skipped") for step in steps[len(reported):]]


def _step(step, status: str, message: str | None = None) -> dict:
    result: dict = {"status": status, "duration": 0}
    if message:
        result["error_message"] = message
    return {"keyword": step.keyword, "name": step.name, "line": step.line_number, "match": {"location": ""},
            "result": result}
