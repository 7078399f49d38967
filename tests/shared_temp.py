"""What the xdist workers of one `pytest tests/` session make once and share, in the session's temp dir."""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Held by one process at a time (across xdist workers and sessions): for an install that two at once undo."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def shared_dir(basetemp: Path) -> Path:
    """The temp dir every xdist worker of this session shares (the parent of a worker's own)."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def once(shared: Path, name: str, make: Callable[[Path], None]) -> Path:
    """shared/name, made by the first caller of the session (across xdist workers); the others wait for it."""
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "done").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            make(target)
            (target / "done").touch()
    return target
