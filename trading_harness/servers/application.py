"""Who the application services and a stack's one-shot steps run as on the embedded target.

Both share one user: a step hands the directories it makes (VOLUME_UID, OWNER, ...) to the user the
services run as. As root that is the unprivileged server user with its own group (identity.py), when it
can read what the services run from: the Python installation, the virtualenv and the checkout. In the
bubblewrap sandbox each is bound at its own path, so only they themselves need be readable by that
user; without the sandbox every parent directory must be traversable too (a CI clone under a 0700
directory, Python under /root/.pyenv often are not). When the user cannot read them, the services and
steps run as the harness's own user, and one line says why.
"""
from __future__ import annotations

import functools
import os
import stat
import sys
from pathlib import Path

from trading_harness.paths import project_root
from trading_harness.servers import sandbox
from trading_harness.servers.identity import ServerIdentity, server_env, server_identity


def runtime_paths() -> list[Path]:
    """What a Python service reads to run: the installation, the virtualenv, the checkout (no duplicates)."""
    paths = [Path(sys.base_prefix), Path(sys.prefix), project_root(), Path(sys.executable).resolve().parent]
    return list(dict.fromkeys(p.resolve() for p in paths))


def _allows(path: Path, identity: ServerIdentity, bits: tuple[int, int, int]) -> bool:
    """The mode bits of `path` give `identity` (its uid and only its own group) the permission `bits` (u, g, o)."""
    info = path.stat()
    bit = bits[0] if info.st_uid == identity.uid else bits[1] if info.st_gid == identity.gid else bits[2]
    return bool(info.st_mode & bit)


_READ_DIR = (stat.S_IRUSR | stat.S_IXUSR, stat.S_IRGRP | stat.S_IXGRP, stat.S_IROTH | stat.S_IXOTH)
_TRAVERSE = (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)


def unreadable(paths: list[Path], identity: ServerIdentity, sandboxed: bool) -> str | None:
    """Why `identity` cannot read one of `paths` (None when it can read them all).

    Sandboxed, each path is mounted at its place, so only the path itself counts; otherwise each of its
    parents must let the user through as well.
    """
    for path in paths:
        try:
            if not _allows(path, identity, _READ_DIR):
                return f"{path} is mode {stat.filemode(path.stat().st_mode)}, owner {path.stat().st_uid}"
            if sandboxed:
                continue
            for parent in path.parents:
                if not _allows(parent, identity, _TRAVERSE):
                    return f"{parent} (a parent of {path}) is not traversable by others"
        except OSError as exc:
            return f"{path}: {exc.strerror}"
    return None


@functools.lru_cache(maxsize=4)
def _decide(identity: ServerIdentity, sandboxed: bool) -> tuple[ServerIdentity, str | None]:
    if not identity.switches:
        return identity, None
    why = unreadable(runtime_paths(), identity, sandboxed)
    if why is None:
        return identity, None
    own = ServerIdentity(None, os.geteuid(), os.getegid())
    return own, (f"application services and one-shot steps: run as {own} (the harness's own user), not {identity}: "
                 f"{why} (let that user read it, e.g. chmod o+rx, to run them unprivileged)")


def application_identity() -> ServerIdentity:
    """The user and group application services and one-shot steps run as (one line when not unprivileged)."""
    identity, line = _decide(server_identity(), sandbox.probe().filesystem)
    sandbox.tell_once(line)
    return identity


def application_env(**extra: str) -> dict[str, str]:
    """The whole environment of an application service or step: what a server gets, plus `extra`."""
    return server_env(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", **extra)


def inside(path: Path | str, root: Path) -> bool:
    """`path` is `root` or below it, once `..` is resolved (a mount source of a stack may point anywhere)."""
    normal, top = Path(os.path.normpath(path)), Path(os.path.normpath(root))
    return normal == top or top in normal.parents


def writable_dir(path: Path, identity: ServerIdentity, within: Path) -> Path | None:
    """`path` made if missing, each directory made here handed to `identity`; None when it is not below `within`.

    A directory that exists keeps its owner: a step may have made it for the services (TSE-0001.12.0).
    A writable mount of a host path (outside the run's directory) is left out: nothing of the host is
    handed to the stack's code.
    """
    path = Path(os.path.normpath(path))
    if not inside(path, within) or path == Path(os.path.normpath(within)):
        return None
    missing = [p for p in [path, *path.parents] if not p.exists() and within in p.parents]
    path.mkdir(parents=True, exist_ok=True)
    for made in missing:
        identity.chown(made)
    return path

