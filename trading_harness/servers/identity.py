"""Who a server started from a stack's files runs as, and what environment it inherits.

The stack folder is code (redis.conf, ACL, init SQL run by real servers), so those servers get
least privilege: as root, an unprivileged user with its own primary group and no supplementary
group (never group 0); as anyone else, that user. Their environment holds only what they need.
"""
from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from trading_harness.errors import StackStartError

SERVER_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class ServerIdentity:
    """The user and group a server process gets; `user` is None when the harness is not root (it runs as us)."""

    user: str | None
    uid: int
    gid: int

    @property
    def switches(self) -> bool:
        return self.user is not None

    def popen_kwargs(self) -> dict:
        """subprocess.Popen arguments that drop to this identity: user, its group, no supplementary groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": []} if self.switches else {}

    def chown(self, path: Path) -> None:
        if self.switches:
            os.chown(path, self.uid, self.gid)

    def __str__(self) -> str:
        return f"{pwd.getpwuid(self.uid).pw_name if self.user is None else self.user}:{self.gid}"


def server_identity() -> ServerIdentity:
    """As root: HARNESS_SERVER_USER (default postgres) with its own group; otherwise ourselves."""
    if os.geteuid() != 0:
        return ServerIdentity(None, os.geteuid(), os.getegid())
    name = os.environ.get("HARNESS_SERVER_USER", "postgres")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise StackStartError(
            f"running as root, and servers started from a stack's files run unprivileged; user '{name}' does not "
            f"exist. Create it (useradd --system --user-group {name}) or set HARNESS_SERVER_USER to an unprivileged "
            f"user with its own group.") from None
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise StackStartError(
            f"HARNESS_SERVER_USER={name} is uid {entry.pw_uid}, gid {entry.pw_gid}: servers started from a stack's "
            f"files need an unprivileged user with its own group (not root, not group 0). Set it to another user.")
    return ServerIdentity(name, entry.pw_uid, entry.pw_gid)


def server_env(**extra: str) -> dict[str, str]:
    """The whole environment of such a server: a PATH, the C locale, nothing of the harness's own."""
    return {"PATH": SERVER_PATH, "LANG": "C", **extra}
