"""Wall time of `pytest features/` (every scenario, stack start and stop included), serially and with
`-n 2`, for this tree and for a base commit checked out beside it (a git worktree), interleaved in one run.

    python bench/suite.py [--base COMMIT] [--runs N] [--modes serial,n2] [--no-base] [--path features/x.feature]

The base defaults to the commit before the speed work of issue 20. Each run writes its reports to a
temp dir; both trees run with this venv, each importing its own code (PYTHONPATH, its own compiled
protos). A run that fails (exit 1) is reported, not hidden: its time is still printed, marked.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE = "d9f6e1f~1"  # main before issue 20 (d9f6e1f only moved tests/ into tier folders)
MODES = {"serial": [], "n2": ["-n", "2"]}
RUN_TIMEOUT = 3600


def checkout(commit: str, where: Path) -> Path:
    """A detached worktree of commit, with its gRPC contracts compiled."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(where), commit], check=True,
                   capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-m", "simulators.proto.build"], cwd=where, check=True, capture_output=True,
                   timeout=300)
    return where


def run_once(tree: Path, mode: str, reports: Path, paths: list[str]) -> dict:
    cucumber = reports / "cucumber.json"
    argv = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *MODES[mode],
            f"--reports-dir={reports}", f"--junitxml={reports / 'junit.xml'}", f"--cucumberjson={cucumber}",
            f"--alluredir={reports / 'allure'}"]
    env = {**os.environ, "PYTHONPATH": str(tree), "HARNESS_GATE_ALLOW_INCOMPLETE": "1"}
    began = time.monotonic()
    proc = subprocess.run(argv, cwd=tree, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
    elapsed = time.monotonic() - began
    scenarios = [e for f in json.loads(cucumber.read_text()) for e in f.get("elements", [])] if cucumber.is_file() else []
    tail = proc.stdout.strip().splitlines()[-1:] or ["(no output)"]
    return {"seconds": elapsed, "scenarios": len(scenarios), "exit": proc.returncode, "summary": tail[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=BASE, help=f"the commit to compare with (default {BASE})")
    parser.add_argument("--no-base", action="store_true", help="time this tree only")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--modes", default="serial,n2", help="serial, n2 or both (comma-separated)")
    parser.add_argument("--path", action="append", default=[], help="time these feature files only (repeatable)")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s) {sorted(unknown)}: use serial, n2")
    work = Path(tempfile.mkdtemp(prefix="bench-suite-"))
    trees = {"this tree": REPO}
    try:
        if not args.no_base:
            base = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", args.base], check=True,
                                  capture_output=True, text=True, timeout=30).stdout.strip()
            trees = {f"base {base}": checkout(args.base, work / "base"), **trees}
        results: dict[tuple[str, str], list[dict]] = {}
        for n in range(args.runs):
            for mode in modes:
                for name, tree in trees.items():  # interleaved: base and this tree see the same load
                    with tempfile.TemporaryDirectory(dir=work) as tmp:
                        result = run_once(tree, mode, Path(tmp), args.path or ["features/"])
                    results.setdefault((name, mode), []).append(result)
                    print(f"run {n + 1}/{args.runs} {name:>16} {mode:>6}: {result['seconds']:7.1f} s  "
                          f"{result['scenarios']} scenarios, exit {result['exit']}  ({result['summary']})", flush=True)
        print(f"\n`pytest {' '.join(args.path or ['features/'])}` wall time, stack start and stop included:")
        print("| tree | mode | median | min – max | scenarios | exits |\n|---|---|---|---|---|---|")
        for (name, mode), rows in results.items():
            times = [r["seconds"] for r in rows]
            print(f"| {name} | {'-n 2' if mode == 'n2' else 'serial'} | {statistics.median(times):.1f} s | "
                  f"{min(times):.1f} – {max(times):.1f} s | {rows[-1]['scenarios']} | "
                  f"{','.join(str(r['exit']) for r in rows)} |")
    finally:
        if (work / "base").exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / "base")],
                           capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
