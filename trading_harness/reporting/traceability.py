"""The traceability matrix: criteria against scenarios against results, with uncovered criteria and orphans."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from trading_harness.reporting.catalogue import Catalogue
from trading_harness.reporting.render import environment
from trading_harness.reporting.scenarios import Case

CSV_COLUMNS = ("milestone", "criterion", "criterion_text", "scenario_key", "feature", "scenario", "result")


@dataclass
class Line:
    milestone: str
    criterion: str  # empty for an orphan that names no criterion
    criterion_text: str
    scenario_key: str
    feature: str
    scenario: str
    result: str  # passed, failed, error, skipped, not run, or "no scenario"


def matrix(catalogue: Catalogue, cases: dict[str, Case], outcomes: dict[str, str]) -> tuple[list[Line], list[Line]]:
    """(criterion lines, orphan lines); a criterion with no scenario is one line with result 'no scenario'."""
    by_criterion: dict[str, list[Case]] = {}
    for case in cases.values():
        for criterion in case.criteria:
            by_criterion.setdefault(criterion, []).append(case)
    lines = []
    for milestone in catalogue.milestones.values():
        for criterion in milestone.criteria:
            covering = by_criterion.get(criterion.id, [])
            if not covering:
                lines.append(Line(milestone.key, criterion.id, criterion.text, "", "", "", "no scenario"))
            for case in covering:
                lines.append(Line(milestone.key, criterion.id, criterion.text, case.key, case.feature, case.name,
                                  outcomes.get(case.key, "not run")))
    orphans = []
    for case in cases.values():
        if case.orphan:
            for criterion in case.unknown_criteria or [""]:
                orphans.append(Line(", ".join(case.milestones), criterion, case.orphan, case.key, case.feature,
                                    case.name, outcomes.get(case.key, "not run")))
    return lines, orphans


def write(reports: Path, catalogue: Catalogue, cases: dict[str, Case], outcomes: dict[str, str]) -> list[Path]:
    """reports/traceability.csv and reports/traceability.html."""
    lines, orphans = matrix(catalogue, cases, outcomes)
    csv_path, html_path = reports / "traceability.csv", reports / "traceability.html"
    with csv_path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow((*CSV_COLUMNS, "orphan"))
        for line in lines:
            writer.writerow((*(getattr(line, c) for c in CSV_COLUMNS), ""))
        for line in orphans:
            writer.writerow((*(getattr(line, c) for c in CSV_COLUMNS), "orphan"))
    uncovered = [line for line in lines if line.result == "no scenario"]
    html_path.write_text(environment().get_template("traceability.html.j2").render(
        catalogue=catalogue, lines=lines, orphans=orphans, uncovered=uncovered))
    return [csv_path, html_path]
