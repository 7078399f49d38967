"""Living documentation: a static site from the feature files, the catalogue and the last results.

reports/living-docs/index.html lists every milestone with its verdict and criteria coverage, with a
"Why it failed" panel and a run banner on top; one page per milestone shows its criteria first, then
why what failed failed (message, category, evidence, log tails, the command that reruns it), what did
not run and why, and its scenarios in Gherkin, each step with its outcome and duration. What did not
run says "not run", never "passed". The seed documents are copied into seeds/ so that links hold once
the folder is published; reports/history.json gives each criterion its last pass and its trend.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.reporting import failures as failure_info
from trading_harness.reporting import history
from trading_harness.reporting.banner import banner
from trading_harness.reporting.catalogue import SEVERITIES, Catalogue, Milestone
from trading_harness.reporting.render import anchor, environment, page_name, run_facts
from trading_harness.reporting.scenarios import Case, Outline

NOT_RUN, NOT_ENCODED = "NOT RUN", "NOT ENCODED"
VERDICTS = ("FAIL", "INCOMPLETE", "PASS", NOT_RUN, NOT_ENCODED)
CRITERION_STATES = ("failed", "passed", "skipped", "not-run", "no-scenario")
OUTCOMES = ("failed", "error", "passed", "skipped", "not run")
INDEX_FAILURES = 40  # the index panel lists this many failures in full, then links to the pages
__all__ = ["Site", "anchor", "NOT_RUN", "NOT_ENCODED"]


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
    flaky: bool = False
    why_not_run: str = ""


def step_views(outline: Outline, case: Case, result: dict | None) -> list[StepView]:
    """The case's steps with the Examples values filled in, each with what happened to it.

    A case that passed with no step detail shows its steps as passed without a duration: pytest-bdd ran
    them all. A case that failed before its first step (a fixture) shows them as not run.
    """
    steps = outline.template.render(case.example or {}).steps
    outcome = result["outcome"] if result else "not run"
    reported = {s.get("line_number"): s for s in (result or {}).get("steps") or []}
    views, stopped = [], False
    for step in steps:
        table = step.datatable.raw() if step.datatable else None
        seen = reported.get(step.line_number)
        if outcome in ("not run", "skipped") or stopped:
            status, duration = ("skipped" if outcome == "skipped" else "not run"), None
        elif seen is None:
            status, duration = ("passed" if outcome == "passed" else "not run"), None
            stopped = outcome != "passed"
        elif seen.get("failed"):
            status, duration, stopped = "failed", seen.get("duration"), True
        else:
            status, duration = "passed", seen.get("duration")
        views.append(StepView(step.keyword, step.name, status, duration,
                              [[str(c) for c in row] for row in table] if table else None, step.docstring))
    return views


def case_view(outline: Outline, case: Case, result: dict | None, allure_link, why_not_run: str = "") -> CaseView:
    outcome = result["outcome"] if result else "not run"
    values = list(case.example.values()) if case.example else []
    ran = result is not None and outcome in ("passed", "failed", "error") and bool(result.get("steps") or
                                                                                  result.get("duration"))
    return CaseView(key=case.key, anchor=anchor(case.key), name=case.name, outcome=outcome,
                    duration=result.get("duration") if ran else None,
                    message=(result or {}).get("message", ""),
                    allure=allure_link(result.get("allure_uuid")) if result and result.get("allure_uuid") else None,
                    criteria=case.criteria, steps=step_views(outline, case, result), values=values,
                    flaky=bool((result or {}).get("flaky")), why_not_run=why_not_run)


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


def worst(outcomes: list[str]) -> str:
    for outcome in OUTCOMES:
        if outcome in outcomes:
            return "failed" if outcome == "error" else outcome
    return "not run"


class Site:
    """Renders the site into `out` (reports/living-docs)."""

    def __init__(self, catalogue: Catalogue, outlines: list[Outline], results: dict[str, dict], gate: dict,
                 run: dict, out: Path, allure_dir: Path | None, allure_links: dict[str, str] | None = None,
                 seeds_url: str | None = None, failures: dict[str, dict] | None = None,
                 kept: set[str] | None = None, history_path: Path | None = None):
        self.catalogue, self.outlines, self.results = catalogue, outlines, results
        self.gate_rows = {row["key"]: row for row in gate.get("milestones", [])}
        self.gate, self.run, self.out = {"verdict": None, "interrupted": False, **gate}, run_facts(run), out
        self.allure_dir, self.allure_links = allure_dir, allure_links or {}
        self.seeds_url = seeds_url
        self.failures = failures or {}
        self.kept = kept
        self.history_path = history_path
        self.runs: list[dict] = []
        self.cases = {c.key: c for o in outlines for c in o.cases}
        self.missing = {m["key"]: m["reason"] for row in gate.get("milestones", []) for m in row.get("missing", [])}
        self.render_seconds = 0.0

    # -- links ---------------------------------------------------------------------
    def allure_link(self, uuid: str) -> str:
        if uuid in self.allure_links:
            return self.allure_links[uuid]
        if self.allure_dir is None or not (Path(self.allure_dir) / f"{uuid}-result.json").is_file():
            return ""  # no link rather than a broken one
        return Path(os.path.relpath(self.allure_dir, self.out), f"{uuid}-result.json").as_posix()

    def seed_link(self, milestone: Milestone) -> str:
        """The seed's URL, or its copy in seeds/; "" when this checkout has no seeds (no link, not a broken one)."""
        if self.seeds_url:
            return self.catalogue.link(milestone, self.seeds_url)
        if not (self.catalogue.seeds / milestone.document).is_file():
            return ""
        return f"seeds/{Path(milestone.document).name}#{milestone.anchor}"

    def copy_seeds(self) -> list[Path]:
        """The seed documents the catalogue cites, copied into seeds/ (links stay inside the site)."""
        if self.seeds_url:
            return []
        copied, target = [], self.out / "seeds"
        for document in sorted({m.document for m in self.catalogue.milestones.values()}):
            source = self.catalogue.seeds / document
            if source.is_file():
                target.mkdir(exist_ok=True)
                copied.append(Path(shutil.copy2(source, target / Path(document).name)))
        return copied

    def case_page(self, case: Case) -> str:
        return page_name(case.milestones[0]) if case.milestones else "index.html"

    # -- what happened -----------------------------------------------------------------
    def outcome(self, key: str) -> str:
        return self.results.get(key, {}).get("outcome", "not run")

    def why_not_run(self, key: str) -> str:
        """A true reason for a case with no outcome (or skipped)."""
        result = self.results.get(key)
        if result and result.get("outcome") == "skipped":
            return "skipped: " + (result.get("message") or "no reason given").replace("Skipped: ", "", 1)
        if key in self.missing:
            reason = self.missing[key]
            if reason.startswith("did not run (the session stopped") and not self.gate.get("interrupted"):
                return ("selected for this run, but no result came back (a failure stopped the session "
                        "with -x/--maxfail, or a worker crashed)")
            return reason
        if self.kept is not None and key not in self.kept:
            subset = ", ".join(self.run.get("subset") or []) or self.run.get("selection", "")
            return f"not selected by this run ({subset})" if subset else "not collected by this run"
        if not self.run.get("scenarios"):
            return "no scenario ran in this run"
        return "not part of this run"

    def outcomes_by_criterion(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for case in self.cases.values():
            for criterion in case.criteria:
                found.setdefault(criterion, []).append(self.outcome(case.key))
        return found

    def verdict(self, key: str) -> str:
        if key in self.gate_rows:
            return self.gate_rows[key]["verdict"]
        if any(key in c.milestones for c in self.cases.values()):
            return NOT_RUN
        return NOT_ENCODED

    def failure(self, case: Case) -> dict:
        """One entry of the "Why it failed" panel."""
        result = self.results.get(case.key, {})
        detail = dict(self.failures.get(case.key) or {})
        if not detail:  # recorded before the panel existed, or a failure outside a scenario's phases
            message = result.get("message", "")
            exception = message.split(":", 1)[0].strip() if ":" in message else ""
            category = failure_info.categorize([exception], message, None, [], case.tags)
            detail = {"message": message, "exception": exception, "category": category,
                      "category_why": failure_info.CATEGORIES[category], "evidence": [], "logs": [], "who": [],
                      "example": case.example or {}, "frames": [], "where": None, "traceback": "",
                      "rerun": failure_info.rerun_command(result.get("nodeid") or case.key, {})}
        criteria = [{"id": c, "text": self.catalogue.criteria[c].text,
                     "page": page_name(self.catalogue.criteria[c].milestone)} for c in case.criteria]
        defaults = {"phase": "call", "exception": "", "where": None, "frames": [], "who": [], "example": {},
                     "evidence": [], "logs": [], "traceback": "", "rerun": "", "message": result.get("message", "")}
        return {**defaults, **detail, "key": case.key, "name": case.name, "outcome": result.get("outcome", "failed"),
                "page": self.case_page(case), "anchor": anchor(case.key), "criteria": criteria,
                "milestones": case.milestones, "advisory": case.hardening, "severity": case.severity,
                "feature": case.feature, "flaky": bool(result.get("flaky")),
                "category_class": detail.get("category", "").replace(" ", "-")}

    def failed_cases(self, milestone: str | None = None) -> list[Case]:
        found = [c for c in self.cases.values() if self.outcome(c.key) in ("failed", "error")
                 and (milestone is None or milestone in c.milestones)]
        return sorted(found, key=lambda c: (c.hardening, SEVERITIES.index(c.severity) if c.severity in SEVERITIES
                                            else 9, c.key))

    # -- pages ---------------------------------------------------------------------
    def criterion_trend(self, criterion: str) -> dict:
        return history.criterion_history(self.runs, criterion) if self.runs else {"last_pass": None, "trend": []}

    def milestone_summary(self, milestone: Milestone, by_criterion: dict[str, list[str]]) -> dict:
        cases = [c for c in self.cases.values() if milestone.key in c.milestones]
        outcomes = [self.outcome(c.key) for c in cases]
        cells = [{"id": c.id, "text": c.text, "status": criterion_status(by_criterion.get(c.id, [])),
                  "severity": c.severity or "normal"} for c in milestone.criteria]
        tags = sorted({t for c in cases for t in c.tags if ":" not in t and not t.startswith("TSE-")})
        return {"key": milestone.key, "title": milestone.title, "acceptance": milestone.acceptance,
                "verdict": self.verdict(milestone.key), "page": page_name(milestone.key),
                "row": anchor("m-" + milestone.key), "component": milestone.component,
                "scenarios": len(cases), "passed": outcomes.count("passed"),
                "failed": outcomes.count("failed") + outcomes.count("error"), "skipped": outcomes.count("skipped"),
                "not_run": outcomes.count("not run"),
                "covered": sum(cell["status"] in ("passed", "failed") for cell in cells),
                "total": len(cells), "cells": cells, "seed": self.seed_link(milestone),
                "source": f"{milestone.document} — {milestone.section}",
                "severities": " ".join(sorted({cell["severity"] for cell in cells})), "tags": " ".join(tags),
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
            views = {c.key: case_view(outline, c, self.results.get(c.key), self.allure_link,
                                      self.why_not_run(c.key) if self.outcome(c.key) in ("not run", "skipped") else "")
                     for c in cases}
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
            criteria = list(dict.fromkeys(c for case in cases for c in case.criteria))
            feature["scenarios"].append({
                "keyword": template.keyword, "name": template.name, "line": template.line_number,
                "tags": sorted(set(template.tags)), "description": template.description or "",
                "anchor": anchor(f"{outline.feature}:{template.line_number}"),
                "verdict": worst([v.outcome for v in views.values()]),
                "all_tags": " ".join(sorted({t for c in cases for t in c.tags})),
                "severity": " ".join(sorted({c.severity for c in cases})), "criteria": criteria,
                "steps": [StepView(s.keyword, s.name, "", None,
                                   [[str(c) for c in row] for row in s.datatable.raw()] if s.datatable else None,
                                   s.docstring) for s in template.steps],
                "examples": examples, "case": None if examples else next(iter(views.values()))})
        return list(features.values())

    def scenarios_of(self, criterion: str) -> list[dict]:
        """The scenarios (outlines counted once) that name a criterion, with a count of outcomes and failing rows."""
        found = []
        for outline in self.outlines:
            cases = [c for c in outline.cases if criterion in c.criteria]
            if not cases:
                continue
            outcomes = [self.outcome(c.key) for c in cases]
            counts = ", ".join(f"{outcomes.count(o)} {o}" for o in dict.fromkeys(outcomes))
            failing = [{"anchor": anchor(c.key), "name": c.name,
                        "label": ", ".join(c.example.values()) if c.example else c.name}
                       for c in cases if self.outcome(c.key) in ("failed", "error")]
            found.append({"name": outline.template.name, "summary": counts, "failing": failing,
                          "anchor": anchor(f"{outline.feature}:{outline.template.line_number}")})
        return found

    def not_run_groups(self, milestone: Milestone) -> list[dict]:
        """The milestone's cases that did not run, grouped by their reason."""
        groups: dict[str, list[dict]] = {}
        for case in self.cases.values():
            if milestone.key in case.milestones and self.outcome(case.key) in ("not run", "skipped"):
                groups.setdefault(self.why_not_run(case.key), []).append(
                    {"key": case.key, "name": case.name, "anchor": anchor(case.key)})
        return [{"reason": reason, "cases": cases} for reason, cases in
                sorted(groups.items(), key=lambda item: -len(item[1]))]

    def counts(self, summaries: list[dict], by_criterion: dict[str, list[str]]) -> dict:
        verdicts = [s["verdict"] for s in summaries]
        outcomes = [self.outcome(k) for k in self.cases]
        statuses = [cell["status"] for s in summaries for cell in s["cells"]]
        return {"verdicts": [(v, verdicts.count(v)) for v in VERDICTS],
                "outcomes": [("passed", outcomes.count("passed")),
                             ("failed", outcomes.count("failed") + outcomes.count("error")),
                             ("skipped", outcomes.count("skipped")), ("not run", outcomes.count("not run"))],
                "criteria": [(s, statuses.count(s)) for s in CRITERION_STATES]}

    def record_history(self, by_criterion: dict[str, list[str]], summaries: list[dict]) -> None:
        if self.history_path is None:
            return
        criteria = {cid: criterion_status(by_criterion.get(cid, [])) for cid in self.catalogue.criteria}
        criteria = {cid: status for cid, status in criteria.items() if status in ("passed", "failed", "skipped")}
        entry = history.entry(self.run, criteria, {s["key"]: s["verdict"] for s in summaries})
        try:
            self.runs = history.append(self.history_path, entry)
        except OSError:
            self.runs = history.load(self.history_path) + [entry]

    def record(self) -> tuple[dict[str, list[str]], list[dict]]:
        """Add the run to the history, without rendering; the outcomes by criterion and the milestone summaries."""
        by_criterion = self.outcomes_by_criterion()
        summaries = [self.milestone_summary(m, by_criterion) for m in self.catalogue.milestones.values()]
        self.record_history(by_criterion, summaries)
        return by_criterion, summaries

    def write(self) -> list[Path]:
        began = time.perf_counter()
        env = environment()
        if self.out.exists():
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        by_criterion, summaries = self.record()
        alerts = banner(self.run, self.gate)
        all_failures = [self.failure(c) for c in self.failed_cases()]
        common = {"run": self.run, "alerts": alerts, "docs": "", "traceability": "../traceability.html",
                  "history_runs": len(self.runs)}
        written = [self.out / "index.html"]
        written[0].write_text(env.get_template("index.html.j2").render(
            milestones=summaries, gate=self.gate, counts=self.counts(summaries, by_criterion),
            failures=all_failures[:INDEX_FAILURES], failures_total=len(all_failures),
            tag_options=sorted({t for s in summaries for t in s["tags"].split()}),
            recent=list(reversed(self.runs[-10:])), **common))
        for milestone, summary in zip(self.catalogue.milestones.values(), summaries):
            by_id = {c.id: c for c in milestone.criteria}
            criteria = []
            for cell in summary["cells"]:
                criteria.append({**cell, "severity": by_id[cell["id"]].severity or "normal",
                                 "scenarios": self.scenarios_of(cell["id"]), "history": self.criterion_trend(cell["id"])})
            features = self.features_of(milestone)
            path = self.out / summary["page"]
            path.write_text(env.get_template("milestone.html.j2").render(
                m=summary, milestone=milestone, criteria=criteria, features=features,
                failures=[self.failure(c) for c in self.failed_cases(milestone.key)],
                not_run=self.not_run_groups(milestone),
                tag_options=sorted({t for f in features for sc in f["scenarios"] for t in sc["all_tags"].split()}),
                **common))
            written.append(path)
        written += self.copy_seeds()
        self.render_seconds = time.perf_counter() - began
        return written
