"""A service may count a request just after answering it (Go's promhttp middleware does, and so do the
simulators): "went up by at least N" waits briefly for the count instead of reading it once. Against a real
loopback server that counts each request 300 ms after its answer, and one that never counts."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import pytest

from steps.metrics_steps import asks_ids, noted, went_up
from steps.probes.service_probe import ServiceProbe
from trading_harness.evidence import Evidence

from ..loopback import serving

SERVICE, ROUTE = "exchange-simulator", "/api/v1/accounts/{id}"


class LateCounter(BaseHTTPRequestHandler):
    delay: float | None = 0.3  # None: never counts
    count = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/metrics":
            with self.lock:
                body = ("# TYPE http_requests counter\n"
                        f'http_requests_total{{method="GET",route="{ROUTE}",code="404"}} {self.count}\n').encode()
            self._answer(200, body, "text/plain; version=0.0.4")
            return
        self._answer(404, b'{"error": "not_found"}', "application/json")
        if self.delay is not None:
            threading.Timer(self.delay, self._count).start()

    @classmethod
    def _count(cls):
        with cls.lock:
            cls.count += 1

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class OneService:
    def __init__(self, url: str):
        self.url = url

    def http_url(self, service: str) -> str:
        assert service == SERVICE
        return self.url


def _scenario(delay: float | None) -> None:
    """Note the counters, ask for 3 ids, expect the count to go up by 3, against a server counting `delay` s late."""
    handler = type("Handler", (LateCounter,), {"delay": delay, "count": 0, "lock": threading.Lock()})
    with serving(handler) as url:
        probe, before = ServiceProbe(OneService(url), Evidence()), {}
        noted(probe, before, SERVICE)
        asks_ids(probe, [], SERVICE, 3, ROUTE)
        went_up(probe, before, "http_requests_total", SERVICE, "GET", ROUTE, "404", 3)


def test_requests_counted_just_after_their_answer_pass():
    _scenario(0.3)


def test_requests_never_counted_fail_with_both_counts():
    with pytest.raises(AssertionError, match=r"code=404\}: 0 -> 0 2 s after the requests"):
        _scenario(None)
