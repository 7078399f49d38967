"""What one small `pytest features/` subprocess costs before and after its scenario, against a same-run baseline.

    python bench/run_overhead.py [--runs N]

The harness's own tests start about 175 such runs (broken variants, gate, report and foreign-stack runs), so
this fixed cost is paid that many times. Each round, interleaved:
  baseline  `python -c "import pytest"`: the interpreter and pytest alone
  lean      one Redis scenario (HARNESS_SERVICES=redis) with the plugins the tests turn off (tests/repo.py LEAN)
  default   the same run with every installed plugin, as `pytest features/` loads them
Each run's phases come from bench/run_phases.py: when pytest was imported, when plugins and conftests (the
step modules and their clients) were loaded, collection, the scenario (with its Redis start), the reports,
the atexit handlers and the interpreter's exit. Prints the medians, wall and CPU, and each run's total. The
last phase's CPU is measured from outside (RUSAGE_CHILDREN), so it includes the Redis server the run started.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from tests.repo import LEAN  # noqa: E402

SELECTION = ("-k", "healthcheck_user_can_ping")
RUN_TIMEOUT = 300


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall, CPU) seconds of one child process, and its result."""
    cpu, began = _children_cpu(), time.monotonic()
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return time.monotonic() - began, _children_cpu() - cpu, proc


def features_run(tmp: Path, lean: bool) -> dict[str, tuple[float, float]]:
    phases = tmp / "phases.json"
    env = {**os.environ, "HARNESS_SERVICES": "redis", "BENCH_PHASES_FILE": str(phases),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")]))}
    argv = [sys.executable, "-m", "pytest", "features/", "-q", "-p", "run_phases", "-p", "no:cacheprovider",
            *(LEAN if lean else ()), *SELECTION, f"--reports-dir={tmp / 'reports'}"]
    phases.unlink(missing_ok=True)  # a run that writes none must not be read as the last run's
    wall, cpu, proc = timed(argv, env)
    if "1 passed" not in proc.stdout:
        sys.exit(f"the measured run did not pass one scenario (exit {proc.returncode}):\n{proc.stdout[-2000:]}")
    marks = {name: tuple(v) for name, v in json.loads(phases.read_text()).items()}
    return {**marks, "exited": (wall, cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    base_wall, base_cpu = [], []
    results: dict[str, list[dict]] = {"lean": [], "default": []}
    with tempfile.TemporaryDirectory(prefix="bench-run-overhead-") as tmp:
        for _ in range(runs):
            wall, cpu, _proc = timed([sys.executable, "-c", "import pytest"], dict(os.environ))
            base_wall.append(wall)
            base_cpu.append(cpu)
            for mode in results:
                results[mode].append(features_run(Path(tmp), lean=mode == "lean"))
    print(f"runs: {runs}, cores: {os.cpu_count()}; one scenario: pytest features/ {' '.join(SELECTION)}, "
          f"HARNESS_SERVICES=redis")
    print(f"baseline `python -c 'import pytest'`: {statistics.median(base_wall):.3f} s wall, "
          f"{statistics.median(base_cpu):.3f} s CPU (median)")
    for mode, rows in results.items():
        print(f"\n{mode} ({'-p no:… as tests/repo.py LEAN' if mode == 'lean' else 'every installed plugin'}):")
        print(f"  {'phase ends':<30}{'wall s':>8}{'CPU s':>8}{'phase wall':>12}{'phase CPU':>11}")
        previous = (0.0, 0.0)
        for phase in rows[0]:
            wall = statistics.median(r[phase][0] for r in rows)
            cpu = statistics.median(r[phase][1] for r in rows)
            print(f"  {phase:<30}{wall:8.3f}{cpu:8.3f}{wall - previous[0]:12.3f}{cpu - previous[1]:11.3f}")
            previous = (wall, cpu)
        totals = ", ".join(f"{r['exited'][0]:.2f}" for r in rows)
        ratio = statistics.median(r["exited"][0] for r in rows) / statistics.median(base_wall)
        print(f"  each run's wall s: {totals}; {ratio:.1f}x the baseline")


if __name__ == "__main__":
    main()
