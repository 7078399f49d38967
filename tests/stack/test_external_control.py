"""The external target restores what a scenario stopped through its control URL, reading /status once."""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.targets.external import ExternalStack

from ..loopback import serving


class Control(BaseHTTPRequestHandler):
    """A control API on loopback: every service running except those in `stopped`; records each call."""

    calls: list[str] = []
    stopped: set[str] = set()
    services: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.calls.append(f"GET {self.path}")
        body = {"services": {s: {"running": s not in self.stopped} for s in self.services}}
        self._reply(200, body)

    def do_POST(self):  # noqa: N802
        self.calls.append(f"POST {self.path}")
        self.stopped.discard(self.path.split("/")[2])
        self._reply(200, {"started": True})

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


@pytest.fixture
def control(tmp_path):
    definition = StackDefinition.load()
    Control.calls, Control.stopped = [], {"exchange-simulator"}
    with serving(Control) as url:
        target = tmp_path / "target.toml"
        target.write_text("[services]\n" + "".join(f'"{s}" = "127.0.0.1:1"\n' for s in definition.services)
                          + f'[control]\nurl = "{url}"\n')
        stack = ExternalStack.from_file(definition, target)
        Control.services = stack.services
        yield stack


def test_a_stopped_service_is_started_again_from_one_status_read(control):
    control.ensure_running()
    assert Control.calls == ["GET /status", "POST /services/exchange-simulator/start"]
    assert control.is_running("exchange-simulator")
