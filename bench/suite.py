"""Wall time of the whole TSE-0001.3a suite, stack start and stop included.

    python bench/suite.py [--runs N]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_once(report_dir: Path) -> tuple[float, int, int]:
    cucumber = report_dir / "cucumber.json"
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider",
                           "-m", "TSE-0001.3a", f"--cucumberjson={cucumber}",
                           f"--alluredir={report_dir / 'allure'}"], cwd=REPO, capture_output=True, text=True)
    elapsed = time.monotonic() - began
    if proc.returncode != 0:
        sys.exit(f"the suite failed:\n{proc.stdout[-3000:]}")
    scenarios = [e for f in json.loads(cucumber.read_text()) for e in f.get("elements", [])]
    return elapsed, len(scenarios), proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    times, count = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            elapsed, count, _ = run_once(Path(tmp))
            times.append(elapsed)
    print(f"TSE-0001.3a suite: {count} scenarios, {runs} runs, wall time incl. stack start/stop: "
          f"median {statistics.median(times):.2f}s  min {min(times):.2f}s  max {max(times):.2f}s")


if __name__ == "__main__":
    main()
