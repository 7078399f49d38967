"""reports/history.json: one entry per features run, kept between runs (the last KEEP), for trends.

An entry holds when and what ran (commit, target, selection) and the status of every criterion and
the verdict of every milestone. A file that does not parse is set aside as history.json.bad, never fatal.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

KEEP = 50
TREND = 10
MAX_BYTES = 20_000_000
RAN = ("passed", "failed")


def load(path: Path) -> list[dict]:
    """The entries, oldest first; [] when there is no usable file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError("too large")
        data = json.loads(path.read_text())
        runs = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(runs, list):
            raise ValueError("no 'runs' list")
        return [r for r in runs if isinstance(r, dict) and isinstance(r.get("criteria"), dict)]
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        try:
            path.replace(path.with_name(path.name + ".bad"))
        except OSError:
            pass
        return []


def append(path: Path, entry: dict, keep: int = KEEP) -> list[dict]:
    """Add this run's entry and write the last `keep` back (atomically); returns them, oldest first."""
    runs = [r for r in load(path) if r.get("id") != entry.get("id")] + [entry]
    runs = runs[-keep:]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"runs": runs}, indent=1))
    tmp.replace(path)
    return runs


def entry(run: dict, criteria: dict[str, str], verdicts: dict[str, str]) -> dict:
    return {"id": f"{run.get('generated')} {run.get('commit')}", "generated": run.get("generated"),
            "commit": run.get("commit"), "target": run.get("target"), "selection": run.get("selection"),
            "scenarios": run.get("scenarios"), "criteria": criteria, "milestones": verdicts}


def criterion_history(runs: list[dict], criterion: str) -> dict:
    """Last pass (date and commit) and the statuses of the last TREND runs that ran the criterion."""
    last_pass = next(({"generated": r.get("generated"), "commit": r.get("commit")}
                      for r in reversed(runs) if r["criteria"].get(criterion) == "passed"), None)
    trend = [{"status": r["criteria"][criterion], "generated": r.get("generated"), "commit": r.get("commit")}
             for r in runs if r["criteria"].get(criterion) in RAN][-TREND:]
    statuses = [t["status"] for t in trend]
    flaky = "passed" in statuses and "failed" in statuses and statuses[-1] == "passed"
    return {"last_pass": last_pass, "trend": trend, "changes": _changes(statuses), "flips": flaky}


def _changes(statuses: list[str]) -> int:
    return sum(1 for a, b in zip(statuses, statuses[1:]) if a != b)
