"""Wall time of broken-variant tests (tests/can_fail): every variant on a fresh stack of its own (the baseline,
HARNESS_VARIANTS_FRESH=1, as before the fault switch) against the behavioural variants on a running stack with
the fault switched (tests/running_stack.py), interleaved in one run, with the machine's load noted.

    python bench/variants.py [--runs N] [--xdist "-n 2 --dist loadgroup"] [-k EXPR] [PATH ...]

PATH defaults to the three files of issue 20's measurement. Each run prints its wall time, its pytest summary,
the 1-minute load average before and after, and (switched mode) where its variants ran: "switched" on the
running stack, "fresh" on a stack of their own, "fresh again" after a switched run that lost its fault.
A failing run is reported, not hidden.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PATHS = ("tests/can_fail/test_exchange_can_fail.py", "tests/can_fail/test_market_data_can_fail.py",
         "tests/can_fail/test_simulators_can_fail.py")
RUN_TIMEOUT = 7200


def run_once(mode: str, paths: list[str], extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-variants-") as tmp:
        log = Path(tmp) / "variants.jsonl"
        env = {**os.environ, "HARNESS_VARIANTS_LOG": str(log)}
        if mode == "fresh":
            env["HARNESS_VARIANTS_FRESH"] = "1"
        argv = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *extra]
        load_before = os.getloadavg()[0]
        began = time.monotonic()
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT)
        elapsed = time.monotonic() - began
        runs: Counter[str] = Counter()
        for line in log.read_text().splitlines() if log.is_file() else []:
            runs.update({k: v for k, v in json.loads(line).items() if k != "pid"})
    tail = proc.stdout.strip().splitlines()[-1:] or ["(no output)"]
    return {"mode": mode, "seconds": elapsed, "exit": proc.returncode, "summary": tail[0],
            "load": (load_before, os.getloadavg()[0]), "runs": dict(runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--xdist", default="", help='e.g. "-n 2 --dist loadgroup"')
    parser.add_argument("-k", dest="select", help="a -k expression for the tests")
    args = parser.parse_args()
    extra = shlex.split(args.xdist) + (["-k", args.select] if args.select else [])
    print(f"{os.cpu_count()} CPUs; pytest {' '.join(args.paths)} {' '.join(extra)}", flush=True)
    results: dict[str, list[dict]] = {"fresh": [], "switched": []}
    for attempt in range(args.runs):
        for mode in ("fresh", "switched") if attempt % 2 == 0 else ("switched", "fresh"):
            result = run_once(mode, args.paths, extra)
            results[mode].append(result)
            mark = "" if result["exit"] == 0 else f"  (exit {result['exit']}: FAILED)"
            print(f"{mode:<9} {result['seconds']:7.1f} s  load {result['load'][0]:.1f} -> {result['load'][1]:.1f}  "
                  f"{result['summary']}  {result['runs'] or ''}{mark}", flush=True)
    fresh = statistics.median(r["seconds"] for r in results["fresh"])
    switched = statistics.median(r["seconds"] for r in results["switched"])
    print(f"median: fresh {fresh:.1f} s, switched {switched:.1f} s, saved {fresh - switched:.1f} s "
          f"({100 * (fresh - switched) / fresh:.0f} %)")
    sys.exit(0 if all(r["exit"] == 0 for rs in results.values() for r in rs) else 1)


if __name__ == "__main__":
    main()
