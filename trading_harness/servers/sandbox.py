"""A bubblewrap sandbox for servers started from a stack's files.

Inside: a read-only view of the system (/usr, /etc and the /bin, /lib links), a private /tmp, /dev
and /proc, the server's own directories writable, the stack folder read-only, and nothing else
(no /root, /home, /work, other /tmp files). With `network=False` the server gets a network namespace
of its own (loopback only: it is reached through Unix sockets in its directory). It runs as the
server identity, with no capabilities, in its own pid namespace whose init is bwrap's (it dies with
bwrap, and the kernel then kills every process of the namespace: a SIGKILLed harness leaves none).

What this machine can give is probed once per process (bwrap present, namespaces allowed as root or
through user namespaces); `describe()` is the one line saying what was not given.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from trading_harness.servers.identity import ServerIdentity

INSTALL = "apt-get install bubblewrap"
_SYSTEM_DIRS = ("/usr", "/etc")
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Isolation:
    """What the sandbox can give here."""

    bwrap: str | None      # the bwrap binary, None: no sandbox at all
    network: bool          # a network namespace of its own
    reason: str = ""       # why something is missing

    @property
    def filesystem(self) -> bool:
        return self.bwrap is not None


def _bwrap_binary() -> str | None:
    override = os.environ.get("HARNESS_BWRAP")
    if override is not None:
        return override if override and os.access(override, os.X_OK) else None
    return shutil.which("bwrap")


def _system_view() -> list[str]:
    args: list[str] = []
    for directory in _SYSTEM_DIRS:
        if os.path.isdir(directory):
            args += ["--ro-bind", directory, directory]
    for link in _SYSTEM_LINKS:
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    return [*args, "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]


def _base(bwrap: str, network: bool) -> list[str]:
    userns = ["--unshare-user"] if os.geteuid() != 0 else []
    net = [] if network else ["--unshare-net"]
    return [bwrap, *userns, *net, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--cap-drop", "ALL", *_system_view()]


def _works(argv: list[str]) -> str:
    """'' when the command ran and exited 0, else the first line of why not."""
    try:
        result = subprocess.run([*argv, "true"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if result.returncode == 0:
        return ""
    return (result.stderr.strip().splitlines() or [f"exit {result.returncode}"])[0]


@functools.lru_cache(maxsize=1)
def probe() -> Isolation:
    """What this machine gives, tried once with the real tool."""
    if os.environ.get("HARNESS_SANDBOX", "1") == "0":
        return Isolation(None, False, "HARNESS_SANDBOX=0 turned it off")
    bwrap = _bwrap_binary()
    if bwrap is None:
        return Isolation(None, False, f"bubblewrap (bwrap) is not installed ({INSTALL})")
    how = "as root" if os.geteuid() == 0 else "through unprivileged user namespaces"
    why = _works(_base(bwrap, network=False))
    if not why:
        return Isolation(bwrap, True)
    why_shared = _works(_base(bwrap, network=True))
    if not why_shared:
        return Isolation(bwrap, False, f"bwrap cannot make a network namespace {how} here ({why})")
    return Isolation(None, False, f"bwrap cannot make namespaces {how} here ({why_shared})")


SERVERS = "servers started from the stack's files"
APPLICATIONS = "application services and one-shot steps"


def describe(wanted_network: bool, identity: ServerIdentity, what: str = SERVERS) -> str | None:
    """One line naming what isolation was given, when it is not all of it (None when it is).

    For APPLICATIONS `wanted_network` is ignored: the services share the host's network and the steps
    want a namespace of their own, so one line covers both.
    """
    iso = probe()
    if what == APPLICATIONS:
        wanted_network = True
    if iso.filesystem and (iso.network or not wanted_network):
        return None
    given = [f"run as {identity}"]
    if identity.switches or iso.filesystem or os.geteuid() != 0:  # root unsandboxed keeps its capabilities
        given.append("no capabilities")
    if iso.filesystem:
        given.append("read-only system view, private /tmp")
    missing = [] if iso.filesystem else ["read-only root", "private /tmp"]
    if wanted_network and not iso.network:
        if what != APPLICATIONS:
            missing.append("own network namespace (they listen on Unix sockets only)")
        else:
            missing.append("own network namespace for the steps" + (" (so they run without bwrap)" if iso.filesystem else ""))
    return f"sandbox: {iso.reason}; {what} {', '.join(given)}; without: {', '.join(missing)}"


_told: set[str] = set()


def tell_once(line: str | None) -> None:
    """Print a sandbox line to stderr once per process."""
    if line and line not in _told:
        _told.add(line)
        print(line, file=sys.stderr)


def program_path(program: str) -> Path | None:
    """Where `program` is, absolute and resolved: a bare name is looked up on PATH, as exec does (None: nowhere)."""
    found = program if os.sep in program else shutil.which(program)
    return Path(found).resolve() if found else None


def wrap(argv: list[str], identity: ServerIdentity, *, writable: list[Path], readable: list[Path] = (),
         network: bool, info_fd: int | None = None, chdir: Path | None = None) -> tuple[list[str], bool]:
    """(argv to run, whether it is sandboxed). Sandboxed argv keeps root only in bwrap itself; the
    server runs as `identity` via setpriv. Unsandboxed: argv as given (the caller drops privileges)."""
    iso = probe()
    if not iso.filesystem or (not network and not iso.network):
        return argv, False
    mounts = [("--ro-bind", Path(p)) for p in readable if os.path.exists(p)] + [("--bind", Path(p)) for p in writable]
    executable = program_path(argv[0])
    if executable and not str(executable).startswith(_SYSTEM_DIRS):  # a binary outside /usr (HARNESS_REDIS_SERVER)
        mounts.append(("--ro-bind", executable.parent))
    binds: list[str] = []
    parents = sorted({parent for _, path in mounts for parent in path.parents if parent != Path("/")},
                     key=lambda p: len(p.parts))
    for parent in parents:  # bwrap would make them 0700 root: the server could not reach its mounts
        binds += ["--perms", "0755", "--dir", str(parent)]
    for how, path in mounts:
        binds += [how, str(path), str(path)]
    info = ["--info-fd", str(info_fd)] if info_fd is not None else []
    drop = ["--reuid", str(identity.uid), "--regid", str(identity.gid), "--clear-groups"] if identity.switches else []
    setpriv = [shutil.which("setpriv") or "setpriv", *drop, "--inh-caps=-all", "--pdeathsig", "SIGKILL", "--"]
    base = _base(iso.bwrap, network)
    if identity.switches:  # bwrap keeps root's capabilities for setpriv, which drops them with the uid
        base.remove("--cap-drop")
        base.remove("ALL")
    where = chdir or (writable[0] if writable else "/")
    return [*base, *binds, "--chdir", str(where), *info, *setpriv, *argv], True
