"""The CPU a simulator takes to start as shipped, and without simulators/__init__.py's start-up work (baseline).

    python bench/service_start.py [--runs N] [--service exchange]

Each run starts `python -m simulators.<service>` without its configuration, so it imports everything a real
start imports, enters run_service (or the registry's main) and exits 2 at the missing POSTGRES_URL: the fixed
cost of every start, paid ~700 times by a `pytest tests/` run. The baseline runs the same module through
runpy as any other import of the package would: the collector on during the imports, and the optional imports
that a `-m` start skips imported (simulators/__init__.py). Interleaved; prints
the median CPU seconds (user + system, from RUSAGE_CHILDREN) of each and the difference.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = ("import gc, runpy, sys; sys.argv = ['x']; import simulators; gc.enable(); "
            "runpy.run_module('simulators.{service}', run_name='__main__', alter_sys=True)")
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HTTP_PORT": "not-a-port"}


def _cpu(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 2:
        raise SystemExit(f"service_start: expected exit 2 (no configuration), got {proc.returncode}: "
                         f"{proc.stderr.strip()[-300:]}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--service", default="exchange", help="a package under simulators/ (default exchange)")
    args = parser.parse_args()
    shipped, baseline = [], []
    for _ in range(args.runs):
        shipped.append(_cpu([sys.executable, "-m", f"simulators.{args.service}"]))
        baseline.append(_cpu([sys.executable, "-c", BASELINE.format(service=args.service)]))
    a, b = statistics.median(shipped), statistics.median(baseline)
    print(f"simulators.{args.service}, {args.runs} runs each, interleaved; median CPU s to start")
    print(f"  collector on, every optional import (baseline): {b:.3f}")
    print(f"  as shipped (collector off, unused imports skipped): {a:.3f}  ({a - b:+.3f} s, {(a - b) / b:+.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
