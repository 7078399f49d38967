"""Work directories of the harness: where stacks keep their data, owned by a process, swept when it was killed."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

WORKDIR_PREFIX = "trading-harness-"
OWNER_FILE = "owner.pid"


def temp_base() -> str | None:
    """Where stacks keep their data: HARNESS_TMPDIR, else memory-backed /dev/shm when it has room."""
    if os.environ.get("HARNESS_TMPDIR"):
        return os.environ["HARNESS_TMPDIR"]
    try:
        shm = os.statvfs("/dev/shm")
        if os.access("/dev/shm", os.W_OK) and shm.f_bavail * shm.f_frsize > 1 << 30:
            return "/dev/shm"
    except OSError:
        pass
    return None  # the system's temp dir


def owned_workdir(prefix: str = WORKDIR_PREFIX) -> Path:
    """A fresh temp dir `trading-harness-…` with this process's owner file: swept if the process is killed."""
    assert prefix.startswith(WORKDIR_PREFIX)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=temp_base()))
    (path / OWNER_FILE).write_text(str(os.getpid()))
    return path


def sweep_stale_workdirs(base: str) -> list[Path]:
    """Remove data dirs left by harness processes that were killed (SIGKILL cannot clean up)."""
    removed = []
    for path in Path(base).glob(f"{WORKDIR_PREFIX}*"):
        try:
            owner = int((path / OWNER_FILE).read_text())
            os.kill(owner, 0)
            continue  # its owner still runs
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # no owner file (not ours, or still being created), or not ours to judge
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
