"""bench/cpu_by_process.py --accounting: acct_v3 records read back, and each one's CPU given to its kind
only when it descends from the command (through the records' parents)."""
from __future__ import annotations

import struct
import sys

from ..conftest import REPO

sys.path.insert(0, str(REPO / "bench"))

import cpu_by_process  # noqa: E402
import pacct  # noqa: E402

V3 = struct.Struct("<BBHIIIIIIf8H16s")


def record(pid: int, ppid: int, comm: str, cpu_ticks: int, uid: int = 0) -> bytes:
    """An acct_v3 record: user time cpu_ticks (a comp_t), system time 0."""
    exponent, mantissa = 0, cpu_ticks
    while mantissa > 0x1FFF:
        mantissa >>= 3
        exponent += 1
    return V3.pack(0, 3, 0, 0, uid, uid, pid, ppid, 1_800_000_000, 250.0, (exponent << 13) | mantissa, 0,
                   0, 0, 0, 0, 0, 0, comm.encode())


def test_records_decode_the_pid_parent_user_name_and_cpu(tmp_path):
    path = tmp_path / "pacct"
    path.write_bytes(record(10, 1, "python", 37) + record(11, 10, "grpc_global_tim", 100_000, uid=101)
                     + b"\0" * 10)  # a partial record at the end is left alone
    found = list(pacct.records(path))
    assert [(r.pid, r.ppid, r.uid, r.comm) for r in found] == [(10, 1, 0, "python"), (11, 10, 101, "grpc_global_tim")]
    assert found[0].cpu == 0.37 and found[0].elapsed == 2.5
    assert abs(found[1].cpu - 1000.0) / 1000.0 < 0.001, "comp_t's exponent is base 8"


def test_only_the_commands_descendants_count_each_to_its_kind(tmp_path):
    path = tmp_path / "pacct"
    path.write_bytes(b"".join([
        record(100, 50, "pytest", 200),  # the command
        record(101, 100, "python", 150),  # a features run the sampler saw
        record(102, 101, "python", 40, uid=101),  # a simulator it never saw, run as the server user
        record(103, 102, "postgres", 5, uid=101),
        record(104, 99, "sh", 30),  # an orphan adopted by the subreaper (pid 99)
        record(200, 1, "python", 900),  # another process of the machine
    ]))
    spent, count, outside = cpu_by_process.accounted(path, {100, 99}, {101: "harness CLI and daemon"})
    assert spent == {"pytest (features runs, xdist workers)": 2.0, "harness CLI and daemon": 1.5,
                     "simulator services": 0.4, "PostgreSQL (server, initdb, pg_ctl)": 0.05,
                     "shell commands (sh, cp, mkdir, chown, git…)": 0.3}
    assert sum(count.values()) == 5 and outside == 9.0
