"""A long-lived stack (embedded or compose) for manual exploration, controlled over a loopback HTTP API.

Started by `harness start`; writes a target file that `--target external` and the CLI read.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from trading_harness.definition import StackDefinition
from trading_harness.errors import HarnessError
from trading_harness.servers.ports import LOOPBACK
from trading_harness.targets import open_target
from trading_harness.targets.stack import Stack


class StateDir:
    """Where a daemon keeps its target file, pid and log."""

    def __init__(self, path: Path | str | None = None):
        default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trading-harness"
        self.path = Path(path or os.environ.get("HARNESS_STATE_DIR") or default)

    target = property(lambda self: self.path / "target.toml")
    pid = property(lambda self: self.path / "daemon.pid")
    log = property(lambda self: self.path / "daemon.log")
    error = property(lambda self: self.path / "daemon.error")
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
                action, service, future = self.commands.get(timeout=0.2)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trading_harness.cli.daemon")
    parser.add_argument("--state-dir")
    parser.add_argument("--stack-dir")
    parser.add_argument("--target", choices=("embedded", "compose"), default="embedded")
    args = parser.parse_args(argv)
    state = StateDir(args.state_dir)
    state.path.mkdir(parents=True, exist_ok=True)
    state.error.unlink(missing_ok=True)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        stack = open_target(args.target, StackDefinition.load(args.stack_dir))
    except HarnessError as exc:
        state.error.write_text(str(exc))
        print(exc, file=sys.stderr)
        return 1
    try:
        controller = Controller(stack)
        server = control_server(controller)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        for sig in (signal.SIGTERM, signal.SIGINT):  # ours again: the loop below ends, `finally` closes the stack
            signal.signal(sig, lambda *_: stopping.set())
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
