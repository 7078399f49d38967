"""BSD process accounting (acct(2)) for the bench scripts: every process that ends, with its whole CPU time.

A /proc sampler misses what starts and ends between two samples, and each process's time before its first
sample: for `pytest tests/` that is about a quarter of the machine's CPU (a simulator spends ~0.4 CPU s
importing its libraries, a features run ~1 s before its first scenario). The kernel writes one record per
process as it exits (the `acct_v3` layout of linux/acct.h), whatever its life. Needs CAP_SYS_PACCT (root)
and a kernel with BSD process accounting; `enable` says why not in one line otherwise.
"""
from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# acct_v3: flag, version, tty, exitcode, uid, gid, pid, ppid, btime, etime (float), 8 comp_t, comm[16]
_V3 = struct.Struct("<BBHIIIIIIf8H16s")
_AHZ = 100  # the records' clock: AHZ ticks a second
_V3_VERSION = 3


@dataclass(frozen=True)
class Record:
    pid: int
    ppid: int  # the parent when it ended (a process whose parent ended first has init's or a subreaper's)
    uid: int
    comm: str  # the last thread's name: the command's, or a library thread's ("grpc_global_tim")
    started: int  # epoch seconds
    elapsed: float  # seconds
    cpu: float  # user + system seconds


def _comp(value: int) -> int:
    """comp_t: a 13-bit mantissa and a 3-bit base-8 exponent."""
    return (value & 0x1FFF) << (3 * (value >> 13))


class AccountingUnavailable(Exception):
    pass


def enable(path: Path) -> None:
    """Start accounting into `path` (made empty); AccountingUnavailable in one line when the kernel refuses."""
    path.write_bytes(b"")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.acct(str(path).encode()) != 0:
        error = ctypes.get_errno()
        raise AccountingUnavailable(f"process accounting could not start: {os.strerror(error)} "
                                    "(needs root, CAP_SYS_PACCT, and a kernel with BSD process accounting)")


def disable() -> None:
    ctypes.CDLL(None, use_errno=True).acct(None)


def records(path: Path) -> Iterator[Record]:
    data = path.read_bytes()
    for offset in range(0, len(data) - _V3.size + 1, _V3.size):
        fields = _V3.unpack_from(data, offset)
        if fields[1] & 0x0F != _V3_VERSION:
            continue
        yield Record(pid=fields[6], ppid=fields[7], uid=fields[4],
                     comm=fields[18].split(b"\0", 1)[0].decode(errors="replace"), started=fields[8],
                     elapsed=fields[9] / _AHZ, cpu=(_comp(fields[10]) + _comp(fields[11])) / _AHZ)
