"""The run banner of the living docs: what makes this run something other than a full run on the reference stack."""
from __future__ import annotations


def banner(run: dict, gate: dict) -> list[dict]:
    """Alerts, most serious first: each a level (error, warning), a title and a sentence."""
    alerts = []
    if not run.get("scenarios"):
        alerts.append({"level": "error", "title": "0 scenarios ran",
                       "text": "Nothing was tested in this run: every verdict below is NOT RUN or comes from "
                               "collection alone. Check the selection and the run's output."})
    if run.get("started") is False and run.get("scenarios"):
        alerts.append({"level": "error", "title": "The target did not start",
                       "text": f"No stack came up on target '{run.get('target')}': scenarios that needed it "
                               "failed or did not run."})
    if gate.get("interrupted"):
        alerts.append({"level": "error", "title": "The run was interrupted",
                       "text": "Ctrl-C or SIGTERM stopped it: the verdicts cover only what ran before."})
    subset = run.get("subset") or []
    if subset:
        total, kept = run.get("cases_total"), run.get("kept")
        share = f"{kept} of {total} scenarios were selected" if total and kept is not None else "Part of the scenarios ran"
        alerts.append({"level": "warning", "title": "A subset of the features ran",
                       "text": f"{share} ({'; '.join(subset)}). Milestones outside the selection show NOT RUN and "
                               "the others cannot PASS on this run alone."})
    if run.get("reference_stack") is False and run.get("stack_dir"):
        alerts.append({"level": "warning", "title": "Not the reference stack",
                       "text": f"The stack under test is {run['stack_dir']} on target '{run.get('target')}': "
                               "the verdicts are about that stack, not the project's reference stack."})
    substituted = run.get("substituted") or {}
    if substituted:
        named = ", ".join(f"{service} ({what})" if isinstance(what, str) and what else service
                          for service, what in (substituted.items() if isinstance(substituted, dict)
                                                else ((s, "") for s in substituted)))
        alerts.append({"level": "warning", "title": "Services replaced by reference simulators",
                       "text": f"The embedded target ran a reference simulator in place of: {named}. Their verdicts "
                               "are about the simulator, not the stack's own service."})
    return alerts
