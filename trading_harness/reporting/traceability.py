"""The traceability matrix: criteria against scenarios against results, with uncovered criteria and orphans."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from trading_harness.reporting.catalogue import Catalogue
from trading_harness.reporting.render import anchor, css_class, environment, page_name, run_facts
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


def row_view(line: Line, cases: dict[str, Case], catalogue: Catalogue, docs: str) -> dict:
    """A matrix line with its links into the living docs and what the filters read."""
    case = cases.get(line.scenario_key)
    milestone = catalogue.criteria[line.criterion].milestone if line.criterion in catalogue.criteria else None
    page = page_name(milestone) if milestone else (page_name(case.milestones[0]) if case and case.milestones else "")
    criterion = catalogue.criteria.get(line.criterion)
    return {"line": line, "state": css_class(line.result), "anchors": [],
            "severity": (criterion.severity if criterion and criterion.severity else case.severity if case else "normal"),
            "tags": " ".join(t for t in (case.tags if case else []) if ":" not in t),
            "milestone_link": f"{docs}index.html#{anchor('m-' + milestone)}" if milestone else "",
            "page": f"{docs}{page}" if page else "",
            "criterion_link": f"{docs}{page}#{line.criterion}" if page and criterion else "",
            "scenario_link": f"{docs}{page}#{anchor(line.scenario_key)}" if page and line.scenario_key else ""}


def write(reports: Path, catalogue: Catalogue, cases: dict[str, Case], outcomes: dict[str, str],
          run: dict | None = None, alerts: list[dict] | None = None, html: bool = True) -> list[Path]:
    """reports/traceability.csv and (html) reports/traceability.html, linked to the living docs in
    reports/living-docs."""
    lines, orphans = matrix(catalogue, cases, outcomes)
    csv_path, html_path = reports / "traceability.csv", reports / "traceability.html"
    with csv_path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow((*CSV_COLUMNS, "orphan"))
        for line in lines:
            writer.writerow((*(getattr(line, c) for c in CSV_COLUMNS), ""))
        for line in orphans:
            writer.writerow((*(getattr(line, c) for c in CSV_COLUMNS), "orphan"))
    if not html:
        return [csv_path]
    uncovered = [line for line in lines if line.result == "no scenario"]
    docs = "living-docs/"
    rows = [row_view(line, cases, catalogue, docs) for line in lines]
    seen: set[str] = set()
    for row in rows:  # the first line of each criterion and of each milestone is an anchor
        for name in (f"t-{css_class(row['line'].criterion)}", f"m-{css_class(row['line'].milestone)}"):
            if name not in seen:
                seen.add(name)
                row["anchors"].append(name)
    run = run_facts(run)
    html_path.write_text(environment().get_template("traceability.html.j2").render(
        catalogue=catalogue, lines=lines, rows=rows, orphans=[row_view(o, cases, catalogue, docs) for o in orphans],
        uncovered=[row_view(u, cases, catalogue, docs) for u in uncovered], run=run, alerts=alerts or [],
        docs=docs, traceability="traceability.html",
        results=[r for r in ("failed", "error", "passed", "skipped", "not run", "no scenario")
                 if any(line.result == r for line in lines)],
        tag_options=sorted({t for row in rows for t in row["tags"].split()})))
    return [csv_path, html_path]
