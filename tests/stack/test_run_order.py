"""`pytest features/ -n 2` hands out whole feature files, the heaviest by the stored durations first; an explicit
`--dist load` keeps xdist's own scheduling (fixtures/run_order.py).

Three feature files that need no more than Redis, in collection order todo_journal, topology, compose; the
durations file makes the last one, compose, by far the heaviest. Which worker ran which scenario, and in which
order, is read from `-v`'s lines.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from ..conftest import FORK_SERVER, LEAN, REPO

FILES = ("features/orchestrator/todo_journal.feature", "features/orchestrator/topology.feature",
         "features/orchestrator/compose.feature")
HEAVIEST = FILES[-1]
LINE = re.compile(r"^\[(gw\d+)\] \[\s*\d+%\] (?:PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) (\S+?)::", re.M)


def _run(tmp_path: Path, *args: str) -> dict[str, list[str]]:
    """worker -> the feature file of each scenario it ran, in its order."""
    collected = FORK_SERVER.run([sys.executable, "-m", "pytest", *FILES, "--collect-only", "-q", *LEAN],
                                cwd=REPO, timeout=120, env={**os.environ, "HARNESS_SERVICES": "redis"})
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert ids, collected.stdout[-2000:] + collected.stderr[-2000:]
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({i: (60.0 if i.startswith(HEAVIEST) else 0.1) for i in ids}))
    proc = FORK_SERVER.run([sys.executable, "-m", "pytest", *FILES, "-n", "2", "-v", *LEAN, "--no-html-reports",
                            f"--reports-dir={tmp_path / 'reports'}", f"--shard-durations={durations}",
                            "-k", "not audit_correlator_serves", *args],
                           cwd=REPO, timeout=300, env={**os.environ, "HARNESS_SERVICES": "redis"})
    ran: dict[str, list[str]] = {}
    for worker, nodeid_file in LINE.findall(proc.stdout):
        ran.setdefault(worker, []).append(nodeid_file)
    assert proc.returncode == 0 and sum(map(len, ran.values())) > 20, proc.stdout[-3000:] + proc.stderr[-2000:]
    return ran


def test_whole_files_the_heaviest_first(tmp_path):
    ran = _run(tmp_path)
    workers_of = {f: {w for w, files in ran.items() if f in files} for f in FILES}
    assert all(len(w) == 1 for w in workers_of.values()), f"a feature file ran on both workers: {workers_of}"
    assert HEAVIEST in {files[0] for files in ran.values()}, \
        f"no worker began with the heaviest file {HEAVIEST}: {ran}"


def test_an_explicit_dist_load_keeps_xdists_order(tmp_path):
    ran = _run(tmp_path, "--dist", "load")
    assert HEAVIEST not in {files[0] for files in ran.values()}, f"--dist load was reordered: {ran}"
