"""Where the CPU of a command goes, by kind of process: a command's whole process tree, sampled from /proc.

    python bench/cpu_by_process.py [--interval S] -- COMMAND [ARG ...]

Every --interval seconds (0.5) each descendant's CPU time (utime + stime) is read, and each one's growth
is added to its kind (KINDS: the first pattern its command line matches). The machine's own busy time
(/proc/stat) over the same wall time is the baseline: what no sample saw (processes born and gone
between two samples, and other work on the machine) is printed as such, never spread over the kinds.
Prints, per kind: CPU seconds, its share, processes seen. Exits with the command's status.

    python bench/cpu_by_process.py --accounting -- COMMAND [ARG ...]

With --accounting (root), every process's whole CPU time comes from BSD process accounting (bench/pacct.py)
as it ends, short-lived ones included; the sampler still names the kinds (a process it never saw is named
from its command name and user: a Python process of another user than root is a sandboxed simulator).
This process is the command's child subreaper, so a daemon that leaves its parent stays in the tree.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pacct  # noqa: E402
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
    ("shell commands (sh, cp, mkdir, chown, git…)",
     r"^(\S*/)?(sh|bash|dash|cp|mv|rm|mkdir|chown|chmod|cat|true|git|uname|readlink|basename|grep|tail|locale) "),
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


# A process the sampler never saw, by its last thread's name: Python's own or a library thread of a Python process.
PYTHON_THREADS = re.compile(r"^(python[\d.]*|pytest|schemathesis|grpc_global_tim|event_engine|ThreadPool\w*)$")
_PR_SET_CHILD_SUBREAPER = 36


def kind_of_record(record: pacct.Record) -> str:
    if PYTHON_THREADS.match(record.comm):
        return "simulator services" if record.uid != 0 else "pytest (features runs, xdist workers)"
    return kind_of(f"{record.comm} ")


def accounted(path: Path, roots: set[int], kinds: dict[int, str]) -> tuple[Counter, Counter, float]:
    """CPU seconds and processes by kind of every accounted process below `roots`, and the CPU of the rest."""
    found = list(pacct.records(path))
    parent = {r.pid: r.ppid for r in found}
    inside: dict[int, bool] = {}

    def below(pid: int) -> bool:
        chain = []
        while pid not in inside:
            if pid in roots:
                inside[pid] = True
                break
            if pid not in parent or pid in chain:
                inside[pid] = False
                break
            chain.append(pid)
            pid = parent[pid]
        for seen in chain:
            inside[seen] = inside[pid]
        return inside[pid]

    spent, count, outside = Counter(), Counter(), 0.0
    for record in found:
        if record.pid == os.getpid():
            continue  # this script's own
        if below(record.pid):
            kind = kinds.get(record.pid) or kind_of_record(record)
            spent[kind] += record.cpu
            count[kind] += 1
        else:
            outside += record.cpu
    return spent, count, outside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--accounting", action="store_true",
                        help="every process's whole CPU time from BSD process accounting (root)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    record_file = Path(tempfile.mkstemp(prefix="pacct-")[1]) if args.accounting else None
    if record_file is not None:
        try:
            pacct.enable(record_file)
        except pacct.AccountingUnavailable as exc:
            record_file.unlink()
            parser.exit(2, f"cpu_by_process: {exc}\n")
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    began, busy_began = time.monotonic(), busy_ticks()[0]
    proc = subprocess.Popen(command)
    kinds: dict[int, str] = {}  # pid -> the kind the sampler last saw it as
    last: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds at the last sample
    spent, seen = Counter(), Counter()
    while True:
        ended = proc.poll() is not None
        table = processes()
        for pid in tree(proc.pid, table) | (tree(os.getpid(), table) - {os.getpid()}):
            _, cmdline, cpu, began_at = table[pid]
            kind, key = kind_of(cmdline), (pid, began_at)  # a pid used again is another process
            kinds[pid] = kind
            if key not in last:
                seen[kind] += 1
            spent[kind] += cpu - last.get(key, 0.0)  # to its kind now: bwrap's child becomes the service
            last[key] = cpu
        if ended:
            break
        time.sleep(args.interval)
    wall, busy = time.monotonic() - began, (busy_ticks()[0] - busy_began) / TICK
    print(f"\n`{' '.join(command)}`: exit {proc.returncode}, {wall:.0f} s wall; the machine was busy "
          f"{busy:.0f} CPU s ({busy / wall / os.cpu_count():.0%} of {os.cpu_count()} cores)")
    if record_file is not None:
        _reap()
        pacct.disable()
        spent, seen, outside = accounted(record_file, {proc.pid, os.getpid()}, kinds)
        record_file.unlink()
        _table(spent, seen, busy, [("other processes of the machine that ended meanwhile", outside),
                                   ("the kernel and processes still running (dockerd…)",
                                    busy - sum(spent.values()) - outside)])
    else:
        _table(spent, seen, busy, [("not sampled (short-lived processes, the rest of the machine)",
                                    busy - sum(spent.values()))])
    return proc.returncode


def _table(spent: Counter, seen: Counter, busy: float, rest: list[tuple[str, float]]) -> None:
    """CPU seconds by kind, then what no kind holds, each as a share of the machine's busy time."""
    print("| kind | CPU s | share of busy | processes |\n|---|---|---|---|")
    for kind, seconds in spent.most_common():
        print(f"| {kind} | {seconds:.0f} | {seconds / busy:.0%} | {seen[kind]} |")
    for name, seconds in rest:
        print(f"| {name} | {seconds:.0f} | {seconds / busy:.0%} | |")


def _reap() -> None:
    """Wait for the orphans this subreaper adopted that have ended (their records are written by then)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


if __name__ == "__main__":
    sys.exit(main())
