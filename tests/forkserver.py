"""A fork server for the tests' `python -m pytest features/` subprocesses.

Each of the ~175 features runs of `tests/` spends about 0.6 s importing pytest and the libraries its steps
use (redis, psycopg, httpx, grpc, jinja2...) before anything else. The server imports them once, then forks
one child per run; the child sets the run's working directory, environment, arguments and output files and
runs pytest as `python -m pytest` would. Nothing of the harness, the steps or the pytest plugins is imported
before the fork: pytest still imports (and rewrites the assertions of) every module it rewrites, in the child.

    client:  ForkServer().run(argv, cwd=..., env=..., timeout=...) -> subprocess.CompletedProcess
    server:  python tests/forkserver.py  (JSON lines on stdin/stdout; imports only the standard library and
             the libraries below until it forks)

A run the server cannot reproduce exactly (another interpreter or module, or a PYTHON*, locale or TZ variable
that differs from the server's: they act at interpreter start) runs as a plain subprocess; so does every run with
HARNESS_FORK_SERVER=0. The server dies with the process that started it (PR_SET_PDEATHSIG) and exits when its
stdin closes; it waits for every child it forked.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENABLE_ENV = "HARNESS_FORK_SERVER"  # "0": every run is a plain subprocess
# Third-party libraries only: no pytest plugin (pytest rewrites those when it loads them) and none of our code.
PRELOAD = ("pytest", "redis", "psycopg", "httpx", "grpc", "grpc_health.v1.health_pb2", "jinja2", "yaml", "gherkin",
           "allure_commons", "attr", "prometheus_client.parser", "jsonschema", "mako.lookup", "google.protobuf")
READY_TIMEOUT = 60.0
_PR_SET_PDEATHSIG = 1


def _interpreter_env(env: dict[str, str]) -> dict[str, str]:
    """The variables the interpreter reads at start: its own, the locale's and the time zone's (PYTHONPATH is
    applied per run)."""
    return {k: v for k, v in env.items()
            if (k.startswith(("PYTHON", "LC_")) and k != "PYTHONPATH") or k in ("LANG", "LANGUAGE", "TZ")}


class JsonLines:
    """JSON messages, one a line: read from one file descriptor without Python's buffering (select must see
    what is not yet read), written to another. The server and its client speak it over the server's stdin and
    stdout."""

    def __init__(self, read_fd: int, write_fd: int):
        self.read_fd, self.write_fd = read_fd, write_fd
        self._pending = b""

    def receive(self, deadline: float | None = None) -> dict | None:
        """The next message, None once the other side closed; TimeoutError past the deadline."""
        while b"\n" not in self._pending:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self.read_fd], [], [], remaining)[0]:
                    raise TimeoutError("the fork server did not answer in time")
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                return None
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.write_fd, data):]


# -- client ---------------------------------------------------------------------------
class ForkServer:
    """One server per process that uses it, started at the first run."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}
        self.broken = False
        self.lines: JsonLines | None = None

    def run(self, argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
        """Like subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)."""
        def plain() -> subprocess.CompletedProcess:
            return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)

        if not self._forks(argv, env):
            return plain()
        with tempfile.TemporaryDirectory(prefix="forked-run-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            deadline = time.monotonic() + timeout
            try:
                self.lines.send({"args": argv[3:], "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)})
                pid = self._receive(deadline)["pid"]
            except (OSError, TimeoutError, EOFError, ValueError, KeyError):
                self._give_up()  # no child was forked: the run is a plain subprocess, now and from now on
                return plain()
            try:
                status = self._receive(deadline)["status"]
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)  # as subprocess.run does on a timeout
                self._receive(time.monotonic() + READY_TIMEOUT)
                raise subprocess.TimeoutExpired(argv, timeout, output=_read(out), stderr=_read(err)) from None
            return subprocess.CompletedProcess(argv, status, _read(out), _read(err))

    def _forks(self, argv: list[str], env: dict[str, str]) -> bool:
        """Whether this run goes through the server: `python -m pytest` with the server's interpreter settings."""
        return (os.environ.get(ENABLE_ENV, "1") != "0" and not self.broken
                and argv[:3] == [sys.executable, "-m", "pytest"] and self._started()
                and _interpreter_env(env) == _interpreter_env(self.env))

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(READY_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _started(self) -> bool:
        if self.proc is not None and self.proc.poll() is None:
            return True
        self.env = dict(os.environ)
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, env=self.env,
                                     cwd=Path(__file__).parent)
        self.lines = JsonLines(self.proc.stdout.fileno(), self.proc.stdin.fileno())
        try:
            self._receive(time.monotonic() + READY_TIMEOUT)
            return True
        except (OSError, TimeoutError, EOFError, ValueError):
            self._give_up()
            return False

    def _give_up(self) -> None:
        self.broken = True  # plain subprocesses from now on
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def _receive(self, deadline: float) -> dict:
        message = self.lines.receive(deadline)
        if message is None:
            self.broken = True
            raise EOFError("the fork server is gone")
        return message


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


# -- server ---------------------------------------------------------------------------
def _die_with_parent() -> None:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:
        os._exit(1)


def serve() -> dict | None:
    """Answer requests until stdin closes (returns None); in a forked child, return its request."""
    base_path = [p for p in sys.path[1:] if p not in os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    lines = JsonLines(0, 1)
    lines.send({"ready": os.getpid()})
    while (request := lines.receive()) is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            request["base_path"] = base_path
            return request
        lines.send({"pid": pid})
        _, status = os.waitpid(pid, 0)
        lines.send({"status": os.waitstatus_to_exitcode(status)})
    return None


def become(request: dict) -> None:
    """In the forked child: the process `python -m pytest <args>` would be, in the request's place."""
    import random
    devnull = os.open(os.devnull, os.O_RDONLY)
    out = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for fd, target in ((devnull, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    extra = [p for p in request["env"].get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [request["cwd"], *extra, *request["base_path"]]
    sys.argv = ["-m", *request["args"]]  # runpy puts the module's path in place of "-m", as `python -m` does
    random.seed()  # each run its own sequence, as a new interpreter has


if __name__ == "__main__":
    _die_with_parent()
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass  # not installed here: the child imports what it needs
    import gc
    gc.freeze()  # what the children share is never scanned again by their collections
    try:
        child = serve()
    except KeyboardInterrupt:
        sys.exit(0)
    if child is None:
        sys.exit(0)
    become(child)
    del child
    import runpy
    runpy.run_module("pytest", run_name="__main__", alter_sys=True)  # raises SystemExit, as `python -m pytest`
