"""Where the CPU of a command goes, by kind of process: a command's whole process tree, sampled from /proc.

    python bench/cpu_by_process.py [--interval S] -- COMMAND [ARG ...]

Every --interval seconds (0.5) each descendant's CPU time (utime + stime) is read, and each one's growth
is added to its kind (KINDS: the first pattern its command line matches). The machine's own busy time
(/proc/stat) over the same wall time is the baseline: what no sample saw (processes born and gone
between two samples, and other work on the machine) is printed as such, never spread over the kinds.
Prints, per kind: CPU seconds, its share, processes seen. Exits with the command's status.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procfs import TICK, busy_ticks, stat_fields  # noqa: E402

# (kind, pattern on the command line); the first match names the process
KINDS = [
    ("bubblewrap sandboxes", r"^\S*bwrap "),
    ("simulator services", r"-m simulators\."),
    ("pytest (features runs, xdist workers)", r"(-m pytest|/pytest|xdist|execnet|tests/forkserver\.py)"),
    ("harness CLI and daemon", r"trading_harness\.cli"),
    ("PostgreSQL (server, initdb, pg_ctl)", r"(postgres|initdb|pg_ctl)"),
    ("redis-server", r"redis-server"),
    ("Prometheus and exporters", r"(prometheus|exporter)"),
    ("Docker (compose, engine clients)", r"(docker|compose|containerd)"),
    ("Go and other services", r"."),
]


def processes() -> dict[int, tuple[int, str, float, int]]:
    """pid -> (parent pid, command line, CPU seconds, start time) of every process readable now."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            fields = stat_fields(pid)
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            cmdline = cmdline or f"[{Path(f'/proc/{pid}/comm').read_text().strip()}]"
        except OSError:
            continue  # gone meanwhile
        found[pid] = (int(fields[1]), cmdline, (int(fields[11]) + int(fields[12])) / TICK, int(fields[19]))
    return found


def tree(root: int, table: dict[int, tuple[int, str, float, int]]) -> set[int]:
    """root and every process below it, as the table has them now."""
    children: dict[int, list[int]] = {}
    for pid, (parent, *_) in table.items():
        children.setdefault(parent, []).append(pid)
    seen, todo = {root} & set(table), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def kind_of(cmdline: str) -> str:
    return next(kind for kind, pattern in KINDS if re.search(pattern, cmdline))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    began, busy_began = time.monotonic(), busy_ticks()[0]
    proc = subprocess.Popen(command)
    last: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds at the last sample
    spent, seen = Counter(), Counter()
    while True:
        ended = proc.poll() is not None
        table = processes()
        for pid in tree(proc.pid, table):
            _, cmdline, cpu, began_at = table[pid]
            kind, key = kind_of(cmdline), (pid, began_at)  # a pid used again is another process
            if key not in last:
                seen[kind] += 1
            spent[kind] += cpu - last.get(key, 0.0)  # to its kind now: bwrap's child becomes the service
            last[key] = cpu
        if ended:
            break
        time.sleep(args.interval)
    wall, busy = time.monotonic() - began, (busy_ticks()[0] - busy_began) / TICK
    sampled = sum(spent.values())
    print(f"\n`{' '.join(command)}`: exit {proc.returncode}, {wall:.0f} s wall; the machine was busy "
          f"{busy:.0f} CPU s ({busy / wall / os.cpu_count():.0%} of {os.cpu_count()} cores)")
    print("| kind | CPU s | share of busy | processes |\n|---|---|---|---|")
    for kind, seconds in spent.most_common():
        print(f"| {kind} | {seconds:.0f} | {seconds / busy:.0%} | {seen[kind]} |")
    print(f"| not sampled (short-lived processes, the rest of the machine) | {busy - sampled:.0f} | "
          f"{(busy - sampled) / busy:.0%} | |")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
