"""Living documentation: a static site from the feature files, the catalogue and the last results.

reports/living-docs/index.html lists every milestone with its acceptance sentence, verdict and
criteria coverage; one page per milestone shows its criteria and its scenarios in Gherkin, each
step with its outcome and duration. What did not run says "not run", never "passed".
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.reporting.catalogue import Catalogue, Milestone
from trading_harness.reporting.render import environment, page_name
from trading_harness.reporting.scenarios import Case, Outline

NOT_RUN, NOT_ENCODED = "NOT RUN", "NOT ENCODED"


@dataclass
class StepView:
    keyword: str
    name: str
    status: str  # passed, failed, skipped, not run
    duration: float | None = None
    table: list[list[str]] | None = None
    docstring: str | None = None


@dataclass
class CaseView:
    key: str
    anchor: str
    name: str
    outcome: str
    duration: float | None
    message: str
    allure: str | None
    criteria: list[str]
    steps: list[StepView] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def anchor(key: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in key)


def step_views(outline: Outline, case: Case, result: dict | None) -> list[StepView]:
    """The case's steps with the Examples values filled in, each with what happened to it."""
    steps = outline.template.render(case.example or {}).steps
    outcome = result["outcome"] if result else "not run"
    reported = {s.get("line_number"): s for s in (result or {}).get("steps") or []}
    views, stopped = [], False
    for step in steps:
        table = step.datatable.raw() if step.datatable else None
        seen = reported.get(step.line_number)
        if outcome in ("not run", "skipped") or seen is None or stopped:
            status, duration = ("skipped" if outcome == "skipped" else "not run"), None
        elif seen.get("failed"):
            status, duration, stopped = "failed", seen.get("duration"), True
        else:
            status, duration = "passed", seen.get("duration")
        views.append(StepView(step.keyword, step.name, status, duration,
                              [[str(c) for c in row] for row in table] if table else None, step.docstring))
    return views


def case_view(outline: Outline, case: Case, result: dict | None, allure_link) -> CaseView:
    outcome = result["outcome"] if result else "not run"
    values = list(case.example.values()) if case.example else []
    return CaseView(key=case.key, anchor=anchor(case.key), name=case.name, outcome=outcome,
                    duration=result.get("duration") if result and outcome != "not run" else None,
                    message=(result or {}).get("message", ""),
                    allure=allure_link(result.get("allure_uuid")) if result and result.get("allure_uuid") else None,
                    criteria=case.criteria, steps=step_views(outline, case, result), values=values)


def criterion_status(outcomes: list[str]) -> str:
    if not outcomes:
        return "no-scenario"
    if any(o in ("failed", "error") for o in outcomes):
        return "failed"
    if any(o == "passed" for o in outcomes):
        return "passed"
    if any(o == "skipped" for o in outcomes):
        return "skipped"
    return "not-run"


class Site:
    """Renders the site into `out` (reports/living-docs)."""

    def __init__(self, catalogue: Catalogue, outlines: list[Outline], results: dict[str, dict], gate: dict,
                 run: dict, out: Path, allure_dir: Path | None, allure_links: dict[str, str] | None = None,
                 seeds_url: str | None = None):
        self.catalogue, self.outlines, self.results = catalogue, outlines, results
        self.gate_rows = {row["key"]: row for row in gate.get("milestones", [])}
        self.gate, self.run, self.out = gate, run, out
        self.allure_dir, self.allure_links = allure_dir, allure_links or {}
        self.seeds_url = seeds_url
        self.cases = {c.key: c for o in outlines for c in o.cases}

    def allure_link(self, uuid: str) -> str:
        if uuid in self.allure_links:
            return self.allure_links[uuid]
        if self.allure_dir is None:
            return ""
        return Path(os.path.relpath(self.allure_dir, self.out), f"{uuid}-result.json").as_posix()

    def seed_link(self, milestone: Milestone) -> str:
        if self.seeds_url:
            return self.catalogue.link(milestone, self.seeds_url)
        rel = Path(os.path.relpath(self.catalogue.seeds.resolve(), self.out.resolve()))
        return f"{rel.as_posix()}/{milestone.document}#{milestone.anchor}"

    def outcomes_by_criterion(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for case in self.cases.values():
            outcome = self.results.get(case.key, {}).get("outcome", "not run")
            for criterion in case.criteria:
                found.setdefault(criterion, []).append(outcome)
        return found

    def verdict(self, key: str) -> str:
        if key in self.gate_rows:
            return self.gate_rows[key]["verdict"]
        if any(key in c.milestones for c in self.cases.values()):
            return NOT_RUN
        return NOT_ENCODED

    def milestone_summary(self, milestone: Milestone, by_criterion: dict[str, list[str]]) -> dict:
        cases = [c for c in self.cases.values() if milestone.key in c.milestones]
        outcomes = [self.results.get(c.key, {}).get("outcome", "not run") for c in cases]
        cells = [{"id": c.id, "text": c.text, "status": criterion_status(by_criterion.get(c.id, []))}
                 for c in milestone.criteria]
        return {"key": milestone.key, "title": milestone.title, "acceptance": milestone.acceptance,
                "verdict": self.verdict(milestone.key), "page": page_name(milestone.key),
                "scenarios": len(cases), "passed": outcomes.count("passed"),
                "failed": outcomes.count("failed") + outcomes.count("error"), "skipped": outcomes.count("skipped"),
                "not_run": outcomes.count("not run"),
                "covered": sum(cell["status"] in ("passed", "failed") for cell in cells),
                "total": len(cells), "cells": cells, "seed": self.seed_link(milestone),
                "source": f"{milestone.document} — {milestone.section}",
                "advisories": self.gate_rows.get(milestone.key, {}).get("advisories", []),
                "missing": self.gate_rows.get(milestone.key, {}).get("missing", [])}

    def features_of(self, milestone: Milestone) -> list[dict]:
        features: dict[str, dict] = {}
        for outline in self.outlines:
            cases = [c for c in outline.cases if milestone.key in c.milestones]
            if not cases:
                continue
            feature = features.setdefault(outline.feature, {
                "path": outline.feature, "name": outline.feature_name, "tags": outline.feature_tags,
                "description": outline.feature_description, "scenarios": []})
            views = {c.key: case_view(outline, c, self.results.get(c.key), self.allure_link) for c in cases}
            template = outline.template
            examples = []
            flat = 0
            for block in template.examples:
                rows = []
                for _ in block.examples:
                    key = next((c.key for c in outline.cases if c.example_index == flat), None)
                    if key in views:
                        rows.append(views[key])
                    flat += 1
                if rows:
                    examples.append({"name": block.name or "", "tags": sorted(block.tags or ()),
                                     "header": block.example_params, "rows": rows})
            feature["scenarios"].append({
                "keyword": template.keyword, "name": template.name, "line": template.line_number,
                "tags": sorted(set(template.tags)), "description": template.description or "",
                "anchor": anchor(f"{outline.feature}:{template.line_number}"),
                "steps": [StepView(s.keyword, s.name, "", None,
                                   [[str(c) for c in row] for row in s.datatable.raw()] if s.datatable else None,
                                   s.docstring) for s in template.steps],
                "examples": examples, "case": None if examples else next(iter(views.values()))})
        return list(features.values())

    def scenarios_of(self, criterion: str) -> list[dict]:
        """The scenarios (outlines counted once) that name a criterion, with a count of outcomes."""
        found = []
        for outline in self.outlines:
            cases = [c for c in outline.cases if criterion in c.criteria]
            if not cases:
                continue
            outcomes = [self.results.get(c.key, {}).get("outcome", "not run") for c in cases]
            counts = ", ".join(f"{outcomes.count(o)} {o}" for o in dict.fromkeys(outcomes))
            found.append({"name": outline.template.name, "summary": counts,
                          "anchor": anchor(f"{outline.feature}:{outline.template.line_number}")})
        return found

    def write(self) -> list[Path]:
        env = environment()
        if self.out.exists():
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        by_criterion = self.outcomes_by_criterion()
        summaries = [self.milestone_summary(m, by_criterion) for m in self.catalogue.milestones.values()]
        written = [self.out / "index.html"]
        written[0].write_text(env.get_template("index.html.j2").render(
            milestones=summaries, run=self.run, gate=self.gate))
        for milestone, summary in zip(self.catalogue.milestones.values(), summaries):
            by_id = {c.id: c for c in milestone.criteria}
            criteria = []
            for cell in summary["cells"]:
                criteria.append({**cell, "severity": by_id[cell["id"]].severity or "normal",
                                 "scenarios": self.scenarios_of(cell["id"])})
            path = self.out / summary["page"]
            path.write_text(env.get_template("milestone.html.j2").render(
                m=summary, milestone=milestone, criteria=criteria, features=self.features_of(milestone),
                run=self.run))
            written.append(path)
        return written
