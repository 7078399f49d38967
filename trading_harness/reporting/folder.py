"""One run, one reports folder.

A run holds an exclusive lock (flock) on `<folder>/.harness-run.lock`, with its pid written inside, for as
long as it runs; the kernel drops the lock when the process ends, however it ends (SIGKILL included), so
a lock file left behind never blocks anyone. A second run that wants the default folder while it is
held takes the first free sibling (`reports-2`, `reports-3`, …) and says so; one that was told the
folder (`--reports-dir`, HARNESS_REPORTS_DIR) stops with one line instead, since its caller reads the
reports there. Once a folder is claimed, the previous run's outputs in it are removed, so nothing of
that run mixes into this one's.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from trading_harness.errors import HarnessError

REPORTS_ENV = "HARNESS_REPORTS_DIR"
LOCK_FILE = ".harness-run.lock"
# What a features run writes into its folder; `allure-report/` and `allure-history/` (harness report)
# are kept: the history is meant to carry across runs.
OWN_OUTPUTS = ("gate.json", "run.json", "traceability.html", "traceability.csv", "living-docs")
MAX_SIBLINGS = 50


class FolderInUse(HarnessError):
    """The reports folder this run was told to use is held by a live run."""


@dataclass
class Claim:
    path: Path
    in_use: Path | None = None  # the folder this run wanted and found held
    owner: str = ""  # pid of the run holding it
    fd: int | None = None

    def notice(self) -> str | None:
        """One line when this run did not get the folder it wanted."""
        if self.in_use is None:
            return None
        return (f"reports: {self.in_use} is in use by another run (pid {self.owner or '?'}); "
                f"this run writes its reports to {self.path}")

    def release(self) -> None:
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            finally:
                os.close(self.fd)
                self.fd = None


def _lock(folder: Path) -> tuple[int | None, str]:
    """(fd holding the folder's lock, "") or (None, the holder's pid) when a live run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        return None, holder
    except OSError:  # a file system without flock: run unguarded rather than not at all
        os.close(fd)
        return None, ""
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd, ""


def claim(wanted: Path, explicit: bool, outputs: tuple[str, ...] = ()) -> Claim:
    """Lock `wanted` (or, not `explicit`, the first free sibling) and remove the previous run's outputs there.

    `outputs`: further names in the folder that this run writes (defaulted paths: junit.xml, …).
    """
    wanted = wanted.resolve()
    path, in_use, owner = wanted, None, ""
    for n in range(2, MAX_SIBLINGS + 2):
        try:
            fd, holder = _lock(path)
        except OSError:
            return Claim(path)  # cannot even create it: writing the reports will say why, in one line
        if fd is not None or not holder:
            break
        if explicit:
            raise FolderInUse(f"the reports folder {wanted} is in use by another run (pid {holder}); "
                              f"give this run its own with --reports-dir DIR")
        in_use, owner = in_use or wanted, owner or holder
        path = wanted.with_name(f"{wanted.name}-{n}")
    else:
        raise FolderInUse(f"the reports folders {wanted} to {path} are all in use by other runs; "
                          f"give this run its own with --reports-dir DIR")
    for name in (*OWN_OUTPUTS, *outputs):
        target = path / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)
    return Claim(path, in_use, owner, fd)
