"""What the tests' fork server (tests/forkserver.py) saves on each `pytest features/` run, in the same run.

    python bench/fork_server.py [--runs N]

Each round, interleaved: one small features run (one Redis scenario, HARNESS_SERVICES=redis) as a plain
subprocess, as `tests/` ran it before, and the same run forked from the server, as `tests/` runs it now. Both
go through tests/conftest.py features_run_in, with its reports. The server's own start (its imports, once
per xdist worker) is printed apart. Prints the medians and each run's wall time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import FORK_SERVER, features_run_in  # noqa: E402
from tests.forkserver import ENABLE_ENV  # noqa: E402

SELECTION = ("-k", "healthcheck_user_can_ping")


def one_run(tmp: Path, forked: bool) -> float:
    os.environ[ENABLE_ENV] = "1" if forked else "0"
    folder = Path(tempfile.mkdtemp(dir=tmp))
    began = time.monotonic()
    result = features_run_in(folder, *SELECTION, env={"HARNESS_SERVICES": "redis"})
    wall = time.monotonic() - began
    if result.returncode != 0 or list(result.outcomes().values()) != ["passed"]:
        sys.exit(f"the measured run did not pass one scenario (exit {result.returncode}):\n{result.output[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as tests/conftest.py does
    with tempfile.TemporaryDirectory(prefix="bench-fork-") as tmp:
        began = time.monotonic()
        one_run(Path(tmp), forked=True)  # starts the server
        first = time.monotonic() - began
        one_run(Path(tmp), forked=False)  # warms the caches the plain runs use
        times: dict[str, list[float]] = {"plain subprocess": [], "forked from the server": []}
        for _ in range(args.runs):
            times["plain subprocess"].append(one_run(Path(tmp), forked=False))
            times["forked from the server"].append(one_run(Path(tmp), forked=True))
        FORK_SERVER.close()
    print(f"first forked run, with the server's start: {first:.2f} s")
    for name, values in times.items():
        print(f"{name:24} median {statistics.median(values):.2f} s  runs " + " ".join(f"{v:.2f}" for v in values))
    saved = statistics.median(times["plain subprocess"]) - statistics.median(times["forked from the server"])
    print(f"saved per run: {saved:.2f} s ({saved / statistics.median(times['plain subprocess']):.0%})")


if __name__ == "__main__":
    main()
