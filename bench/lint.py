"""`harness lint` against its floor: bare initdb, postgres and the same init SQL, in one run.

    python bench/lint.py [--stack-dir DIR] [--rounds 5]

The floor is what any check of the init SQL must pay: initdb as the server user, a postgres
started on it, and every init file through psql. The lint adds the throwaway redis-server, the
credential, port and compose checks. Runs alternate so both see the same machine load; the
medians and their ratio are printed (goal: lint <= 1.5x the floor).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trading_harness.lint import init_sql  # noqa: E402
from trading_harness.lint.layout import StackLayout  # noqa: E402
from trading_harness.lint.pg_cluster import ThrowawayCluster  # noqa: E402
from trading_harness.lint.runner import lint  # noqa: E402
from trading_harness.paths import project_root  # noqa: E402


def bare(stack_dir: Path) -> float:
    """Seconds for initdb + postgres + the init files through psql, nothing else."""
    began = time.monotonic()
    layout = StackLayout.read(stack_dir)
    for service in layout.of_kind("postgres"):
        side = init_sql.PostgresSide.of(layout, service)
        with ThrowawayCluster(side.superuser, side.password, side.database) as cluster:
            _, failure = cluster.run_init(side.files)
            assert failure is None, failure
    return time.monotonic() - began


def linted(stack_dir: Path) -> float:
    began = time.monotonic()
    report = lint(stack_dir)
    assert not report.errors, report.lines()
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-dir", type=Path, default=project_root() / "stack")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bare(args.stack_dir), linted(args.stack_dir)  # warm the page cache and imports
    floor, full = [], []
    for _ in range(args.rounds):
        floor.append(bare(args.stack_dir))
        full.append(linted(args.stack_dir))
    base, checked = statistics.median(floor), statistics.median(full)
    print(f"stack: {args.stack_dir}  rounds: {args.rounds}")
    print(f"bare initdb + postgres + init SQL (psql): median {base:.2f}s  (min {min(floor):.2f}s, max {max(floor):.2f}s)")
    print(f"harness lint (all checks):               median {checked:.2f}s  (min {min(full):.2f}s, max {max(full):.2f}s)")
    print(f"ratio lint / floor: {checked / base:.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
