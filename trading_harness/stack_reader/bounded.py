"""Every file of a stack folder is read here: bounded, and a bad file is one line naming it.

A stack folder is untrusted input. A file larger than its cap, a file that is not a regular
file (a FIFO, a device, a symlink loop), one that cannot be read, or one that is not UTF-8
raises StackConfigError with the path, the line and byte where that applies, and the fix.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from trading_harness.errors import StackConfigError

TEXT_LIMIT = 16 << 20   # init SQL, ACL files, redis.conf, scripts
YAML_LIMIT = 2 << 20    # compose files, Prometheus configuration
DIR_LIMIT = 10_000      # entries listed in one folder (the init folder)
COMPOSE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")


def compose_path(root: Path) -> Path | None:
    """The stack folder's compose file, by the names Docker Compose looks for (None without one)."""
    return next((root / n for n in COMPOSE_NAMES if is_readable_file(root / n)), None)


def check_file(path: Path, limit: int = TEXT_LIMIT) -> os.stat_result:
    """The file's stat, or one line saying why it cannot be read as a regular file of at most `limit` bytes."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise StackConfigError(_os_error(path, exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise StackConfigError(f"{path}: not a regular file; replace it with the file itself")
    if info.st_size > limit:
        raise StackConfigError(f"{path}: {info.st_size} bytes, over the limit of {limit} bytes for a stack file; "
                               "make it smaller or split it")
    return info


def read_bytes(path: Path | str, limit: int = TEXT_LIMIT) -> bytes:
    path = Path(path)
    check_file(path, limit)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise StackConfigError(_os_error(path, exc)) from None
    if len(data) > limit:  # it grew after the stat
        raise StackConfigError(f"{path}: over the limit of {limit} bytes for a stack file; make it smaller or split it")
    return data


def read_text(path: Path | str, limit: int = TEXT_LIMIT) -> str:
    """The file as UTF-8 text; a byte that is not UTF-8 is one line naming file, line and byte."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise StackConfigError(f"{path}:{line}: byte {column} of the line (0x{data[exc.start]:02x}) is not UTF-8; "
                               "save the file as UTF-8") from None


def read_lines(path: Path | str, limit: int = TEXT_LIMIT) -> list[str]:
    return read_text(path, limit).splitlines()


def is_readable_file(path: Path) -> bool:
    """Whether `path` names something to read (a missing path is not; a loop or a FIFO is, so reading it says why)."""
    try:
        os.lstat(path)
    except OSError:
        return False
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return True


def list_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The entries of `folder` that are not folders, sorted by name (loops and unreadable links included:
    reading them names the cause)."""
    try:
        entries = []
        with os.scandir(folder) as scan:
            for entry in scan:
                if len(entries) >= DIR_LIMIT:
                    raise StackConfigError(f"{folder}: more than {DIR_LIMIT} entries; keep the stack's files only")
                entries.append(Path(entry.path))
    except OSError as exc:
        raise StackConfigError(_os_error(folder, exc)) from None
    return sorted((p for p in entries if (suffixes is None or p.name.endswith(suffixes)) and is_readable_file(p)),
                  key=lambda p: p.name)


def _os_error(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return f"{path}: a symlink loop ({exc.strerror}); point the link at a real file"
    if exc.errno == errno.ENOENT:
        return f"{path}: does not exist ({exc.strerror}); create it or fix the path that names it"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{path}: cannot be read ({exc.strerror}); make it readable by the harness's user"
    return f"{path}: cannot be read ({exc.strerror or exc}); fix or replace the file"
