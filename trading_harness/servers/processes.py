"""Child processes that cannot outlive the harness.

Every server runs in its own session (so Ctrl-C in the terminal reaches only pytest, which then
tears down in order) and with a parent-death signal (so a SIGKILLed pytest takes them along).
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.errors import MissingBinary, StackStartError
from trading_harness.masking import mask
from trading_harness.servers import sandbox
from trading_harness.servers.identity import ServerIdentity, server_identity

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
_live: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()
_live_lock = threading.Lock()
# Every server of this harness process carries this in its environment, so leftovers can be found.
RUN_ID = os.environ.get("HARNESS_RUN_ID") or uuid.uuid4().hex

INSTALL_HINTS = {
    "redis-server": "apt-get install -y redis-server",
    "initdb": "apt-get install -y postgresql-15 (binaries in /usr/lib/postgresql/15/bin)",
    "postgres": "apt-get install -y postgresql-15 (binaries in /usr/lib/postgresql/15/bin)",
    "prometheus": "apt-get install -y prometheus",
    "promtool": "apt-get install -y prometheus",
    "sh": "apt-get install -y dash",
}
# Set by the harness's own fast tier (tests/tiers.py): a test there that starts a server must fail.
FAST_TIER_ENV = "HARNESS_FAST_TIER"
POSTGRES_BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]


def find_binary(name: str, extra_dirs: list[Path] | None = None) -> str:
    """The absolute path of a server binary, or MissingBinary naming the install command."""
    override = os.environ.get(f"HARNESS_{name.upper().replace('-', '_')}")
    if override:
        if os.access(override, os.X_OK):
            return override
        raise MissingBinary(override, INSTALL_HINTS.get(name, f"install {name}"))
    for directory in extra_dirs or []:
        candidate = directory / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise MissingBinary(name, INSTALL_HINTS.get(name, f"install {name}"))
    return found


def unprivileged_user() -> str | None:
    """The user servers that refuse root run as: None unless we are root."""
    return server_identity().user


@dataclass(frozen=True)
class Confinement:
    """How a server started from a stack's files runs: its identity, and what its sandbox lets it see."""

    identity: ServerIdentity
    writable: list[Path] = field(default_factory=list)  # the first is its working directory
    readable: list[Path] = field(default_factory=list)
    network: bool = True  # False: a network namespace of its own (reached over Unix sockets)
    chdir: Path | None = None  # its working directory when not the first writable one
    what: str = sandbox.SERVERS  # who it is, in the line saying what isolation was not given

    def command(self, argv: list[str], info_fd: int | None = None) -> tuple[list[str], dict]:
        """(argv, Popen keyword arguments): sandboxed when this machine can, else only the dropped identity."""
        wrapped, sandboxed = sandbox.wrap(argv, self.identity, writable=self.writable, readable=self.readable,
                                          network=self.network, info_fd=info_fd, chdir=self.chdir)
        sandbox.tell_once(sandbox.describe(not self.network, self.identity, self.what))
        return wrapped, ({} if sandboxed else self.identity.popen_kwargs())


def _drop_to(user: str | None) -> dict:
    """Popen arguments for a plain `user=`: that user, its own group and no supplementary groups."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _sandbox_pid(read_fd: int, timeout: float = 10.0) -> int | None:
    """The server's pid that bwrap writes to its --info-fd (None when bwrap failed before it)."""
    data, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_fd, 4096) if ready else b""
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read_fd)
    match = re.search(rb'"child-pid"\s*:\s*(\d+)', data)
    return _only_child(int(match[1]), deadline) if match else None


def _only_child(init: int, deadline: float) -> int | None:
    """The server below bwrap's pid-1 of the sandbox (it forks it at once); signals go to the server."""
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
        except OSError:
            return None  # the sandbox is gone already
        if children:
            return int(children[0])
        time.sleep(0.005)
    return None


def _guard() -> None:
    # Runs in the child after setuid (which would clear the signal): die with the parent.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # parent already gone between fork and prctl
        os._exit(1)


def _refuse_in_fast_tier(argv: list[str]) -> None:
    if os.environ.get(FAST_TIER_ENV) == "1":
        raise StackStartError(f"{FAST_TIER_ENV}=1 (the harness's fast test tier starts no server): refused {Path(argv[0]).name}")


class ManagedProcess:
    """One server process in its own process group, logging to a file."""

    def __init__(self, name: str, argv: list[str], log_path: Path, *, env: dict[str, str] | None = None,
                 user: str | None = None, cwd: Path | None = None, confinement: Confinement | None = None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.user = user
        self.cwd = cwd
        self.confinement = confinement
        self.proc: subprocess.Popen | None = None
        self._server_pid: int | None = None  # the server inside bwrap (proc is bwrap itself)

    def start(self) -> None:
        """Spawn the process. Call from the thread that lives as long as the stack."""
        if self.running:
            return
        _refuse_in_fast_tier(self.argv)
        info_read, info_write = os.pipe() if self.confinement else (None, None)
        argv, drop = self.confinement.command(self.argv, info_write) if self.confinement else (self.argv, _drop_to(self.user))
        if info_read is not None and argv is self.argv:  # not sandboxed: no bwrap to tell us a pid
            os.close(info_read), os.close(info_write)
            info_read = info_write = None
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env={**(self.env if self.env is not None else os.environ), "HARNESS_RUN_ID": RUN_ID}, cwd=self.cwd,
                start_new_session=True, preexec_fn=_guard, close_fds=True,
                pass_fds=(info_write,) if info_write is not None else (), **drop)
        except FileNotFoundError:
            if info_read is not None:
                os.close(info_read)
            raise MissingBinary(argv[0], INSTALL_HINTS.get(Path(argv[0]).name, "install it")) from None
        finally:
            log.close()
            if info_write is not None:
                os.close(info_write)
        if info_read is not None:
            self._server_pid = _sandbox_pid(info_read)
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int | None:
        """The server's own pid (inside its sandbox when it has one)."""
        return (self._server_pid or self.proc.pid) if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def exit_code(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Ask the process to stop; kill its whole group if it has not after `timeout`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, sig)
                self.proc.wait(timeout=timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self._kill_group()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        with _live_lock:
            _live.discard(self)

    def _kill_group(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return mask("\n".join(text.splitlines()[-lines:]))


def run_checked(argv: list[str], *, what: str, user: str | None = None, env: dict[str, str] | None = None,
                timeout: float = 60.0, confinement: Confinement | None = None) -> None:
    """Run a one-shot command (initdb); raise StackStartError with its output when it fails."""
    _refuse_in_fast_tier(argv)
    argv, drop = confinement.command(argv) if confinement else (argv, _drop_to(user))
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, preexec_fn=_guard, start_new_session=True, **drop) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except BaseException as exc:  # a timeout, Ctrl-C, SIGTERM: the command's own children go too (initdb's postgres)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if isinstance(exc, subprocess.TimeoutExpired):
                raise StackStartError(f"{what} did not finish within {timeout:.0f}s: {' '.join(argv)}") from None
            raise
    if proc.returncode != 0:
        output = mask((stdout + stderr).strip()[-2000:])
        raise StackStartError(f"{what} failed (exit {proc.returncode}):\n{output}")


@atexit.register
def _kill_leftovers() -> None:
    with _live_lock:
        leftovers = list(_live)
    for process in leftovers:
        process.stop(timeout=2)
