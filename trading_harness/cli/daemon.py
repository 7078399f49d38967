"""A long-lived stack (embedded or compose) for manual exploration, controlled over a loopback HTTP API.

Started by `harness start`; writes a target file that `--target external` and the CLI read.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import queue
import shutil
import signal
import stat
import sys
import tempfile
import threading
import tomllib
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from trading_harness.definition import StackDefinition, with_services
from trading_harness.errors import HarnessError
from trading_harness.servers.ports import LOOPBACK
from trading_harness.servers.processes import unprivileged_user
from trading_harness.targets import STARTABLE, open_target
from trading_harness.targets.stack import Stack
from trading_harness.workdirs import WORKDIR_PREFIX, owned_workdir


class StateDir:
    """Where a daemon keeps its target file, pid and log."""

    def __init__(self, path: Path | str | None = None):
        default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trading-harness"
        self.path = Path(path or os.environ.get("HARNESS_STATE_DIR") or default)

    @classmethod
    def owned(cls, kind: str) -> StateDir:
        """A throwaway state dir in a work dir `trading-harness-<kind>-…` with this process's owner file (swept by
        a later run if this one is killed), open to the unprivileged servers that keep their data below it."""
        base = owned_workdir(f"{WORKDIR_PREFIX}{kind}-")
        base.chmod(0o755)
        return cls(base / "state")

    target = property(lambda self: self.path / "target.toml")
    pid = property(lambda self: self.path / "daemon.pid")
    log = property(lambda self: self.path / "daemon.log")
    error = property(lambda self: self.path / "daemon.error")
    data = property(lambda self: self.path / "data")

    def data_dir(self) -> Path:
        """The stack's data, kept by `stop` and removed by `clean`: <state>/data, or where it links to.

        PostgreSQL runs unprivileged when we are root; if it cannot reach the state dir (~ is 0700),
        the data lives under /var/tmp and <state>/data is a symlink to it.
        """
        if self.data.exists():
            return self.data.resolve()
        self.data.unlink(missing_ok=True)  # a link whose target was removed by hand
        self.path.mkdir(parents=True, exist_ok=True)
        user = unprivileged_user()
        if user is None or _reachable(self.path, user):
            self.data.mkdir()
            return self.data
        target = Path(tempfile.mkdtemp(prefix="trading-harness-data-", dir="/var/tmp"))
        self.data.symlink_to(target)
        return target

    def remove_data(self) -> Path | None:
        """Delete the data dir (and its link); the path removed, None if there was none."""
        if not self.data.exists() and not self.data.is_symlink():
            return None
        target = self.data.resolve()
        shutil.rmtree(target, ignore_errors=True)
        if self.data.is_symlink():
            self.data.unlink()
        return target

    kind = property(lambda self: self.path / "target.name")

    def target_name(self) -> str:
        return self.kind.read_text().strip() if self.kind.is_file() else "embedded"

    def daemon_pid(self) -> int | None:
        try:
            pid = int(self.pid.read_text())
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None


def _reachable(path: Path, user: str) -> bool:
    """True when `user` may traverse every directory down to `path` (by the mode bits)."""
    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid, *os.getgrouplist(user, entry.pw_gid)}
    for directory in [path.resolve(), *path.resolve().parents]:
        info = directory.stat()
        bit = stat.S_IXUSR if info.st_uid == entry.pw_uid else stat.S_IXGRP if info.st_gid in groups else stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def running_definition(state: StateDir, stack_dir: str | None) -> StackDefinition:
    """The stack definition narrowed to the services the daemon runs (HARNESS_SERVICES at its start)."""
    definition = StackDefinition.load(stack_dir)
    try:
        running = list(tomllib.loads(state.target.read_text()).get("services", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return definition  # ExternalStack.from_file says what is wrong with the file
    return with_services(definition, [name for name in running if name in definition.services])


def write_target_file(path: Path, stack: Stack, control_url: str) -> None:
    lines = ["# written by `harness start`; read by `pytest --target external --target-file` and the CLI",
             "[services]"]
    lines += [f'"{name}" = "{a.host}:{a.port}"' for name in stack.services for a in [stack.address(name)]]
    lines += ["", "[grpc]"]
    lines += [f'"{name}" = "{a.host}:{a.port}"' for name in stack.simulators() for a in [stack.grpc_address(name)]]
    lines += ["", "[audit]"]
    lines += [f'"{name}" = "{a.host}:{a.port}"' for name in stack.simulators()
              if stack.definition.services[name].audit_port for a in [stack.audit_address(name)]]
    lines += ["", "[control]", f'url = "{control_url}"', "", "[time]"]
    lines += [f"{key} = {value}" for key, value in vars(stack.timing).items()]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


STOP_POLL = 0.05  # seconds: how soon the command loop and the control server notice a stop (`harness stop` waits on it)


class Controller:
    """Runs lifecycle commands on the main thread, which owns the server processes."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.commands: queue.Queue[tuple[str, str, Future]] = queue.Queue()

    def submit(self, action: str, service: str) -> Future:
        future: Future = Future()
        self.commands.put((action, service, future))
        return future

    def serve_forever(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                action, service, future = self.commands.get(timeout=STOP_POLL)
            except queue.Empty:
                continue
            try:
                getattr(self.stack, action)(service)
                future.set_result(None)
            except Exception as exc:  # noqa: BLE001 - reported to the HTTP caller
                future.set_exception(exc)


def control_server(controller: Controller) -> ThreadingHTTPServer:
    stack = controller.stack

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: object, content_type: str = "application/json") -> None:
            data = (json.dumps(body) if content_type == "application/json" else str(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            parts = url.path.strip("/").split("/")
            if parts == ["status"]:
                services = {n: {"running": stack.is_running(n), "address": f"{a.host}:{a.port}"}
                            for n in stack.services for a in [stack.address(n)]}
                return self._send(200, {"target": stack.target, "services": services})
            if len(parts) == 3 and parts[0] == "services" and parts[2] == "logs" and parts[1] in stack.services:
                lines = int(parse_qs(url.query).get("lines", ["50"])[0])
                return self._send(200, stack.logs(parts[1], lines), "text/plain")
            self._send(404, {"error": "not_found", "message": f"no route {url.path}"})

        def do_POST(self):
            parts = urlparse(self.path).path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "services" and parts[1] in stack.services \
                    and parts[2] in ("stop", "start", "restart"):
                try:
                    controller.submit(parts[2], parts[1]).result(timeout=stack.timing.ready_timeout + 15)
                except Exception as exc:  # noqa: BLE001
                    return self._send(409, {"error": "failed", "message": str(exc)})
                return self._send(200, {"service": parts[1], "done": parts[2]})
            self._send(404, {"error": "not_found", "message": f"no route {self.path}"})

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    server.daemon_threads = True
    return server


WATCH_ENV = "HARNESS_DAEMON_WATCH_PID"  # stop once this process is gone (test sessions set it to themselves)
WATCH_INTERVAL = 0.5


def _stop_when_gone(pid: int, stopping: threading.Event) -> None:
    while not stopping.wait(WATCH_INTERVAL):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stopping.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trading_harness.cli.daemon")
    parser.add_argument("--state-dir")
    parser.add_argument("--stack-dir")
    parser.add_argument("--target", choices=STARTABLE, default="embedded")
    args = parser.parse_args(argv)
    state = StateDir(args.state_dir)
    state.path.mkdir(parents=True, exist_ok=True)
    state.error.unlink(missing_ok=True)
    stopping = threading.Event()
    received: list[int] = []

    def stop(signum, _frame) -> None:
        received.append(signum)
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    if os.environ.get(WATCH_ENV, "").isdigit():
        threading.Thread(target=_stop_when_gone, args=(int(os.environ[WATCH_ENV]), stopping), daemon=True).start()
    try:
        definition = StackDefinition.load(args.stack_dir)
        from trading_harness.targets.embedded import EmbeddedStack

        if args.target == "embedded":  # its data stays in the state dir: `stop` keeps it, `clean` removes it
            stack = EmbeddedStack.up(definition, workdir=state.data_dir(), persistent=True)
        else:
            stack = open_target(args.target, definition)
    except HarnessError as exc:
        state.error.write_text(str(exc))
        print(exc, file=sys.stderr)
        return 1
    try:
        controller = Controller(stack)
        server = control_server(controller)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL}, daemon=True).start()
        for sig in (signal.SIGTERM, signal.SIGINT):  # ours again: the loop below ends, `finally` closes the stack
            signal.signal(sig, stop)
        state.kind.write_text(args.target)
        state.pid.write_text(str(os.getpid()))
        write_target_file(state.target, stack, f"http://{LOOPBACK}:{server.server_address[1]}")
        print(f"{args.target} stack up in {stack.startup_seconds:.2f}s", flush=True)
        controller.serve_forever(stopping)
        server.shutdown()
    finally:
        stack.close()
        state.target.unlink(missing_ok=True)
        state.pid.unlink(missing_ok=True)
        state.kind.unlink(missing_ok=True)
    return 128 + received[0] if received else 0  # 143 after SIGTERM, 130 after Ctrl-C, as for pytest


if __name__ == "__main__":
    sys.exit(main())
