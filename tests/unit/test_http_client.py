"""The harness's HTTP calls share one TLS context, and so do each simulator's clients: httpx builds one per client it
makes (20 ms of CPU each)."""
from __future__ import annotations

import re
import ssl

import httpx
import pytest

from simulators.common import http_client as simulator_http
from trading_harness import http_client

from ..repo import REPO

HARNESS_CODE = ("trading_harness", "steps", "fixtures")
SHARED_CONTEXT = {REPO / "trading_harness" / "http_client.py", REPO / "simulators" / "common" / "http_client.py"}
PER_CALL = re.compile(r"\bhttpx\.(get|post|put|patch|delete|head|request|stream|Client)\(")


def _per_call_clients(folders: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
            for folder in folders for path in sorted((REPO / folder).rglob("*.py")) if path not in SHARED_CONTEXT
            for number, line in enumerate(path.read_text().splitlines(), 1) if PER_CALL.search(line)]


def test_harness_code_makes_no_client_with_a_context_of_its_own():
    found = _per_call_clients(HARNESS_CODE)
    assert not found, "use trading_harness.http_client (get, post, put, request, client) instead:\n" + "\n".join(found)


def test_simulators_make_no_client_with_a_context_of_its_own():
    found = _per_call_clients(("simulators",))
    assert not found, "use simulators.common.http_client.client instead:\n" + "\n".join(found)


def _verify_of_each_client(monkeypatch) -> list:
    """What every httpx.Client made from now on is given as verify."""
    made = []
    real = httpx.Client.__init__

    def spy(self, *args, **kwargs):
        made.append(kwargs.get("verify"))
        real(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", spy)
    return made


def test_every_client_shares_the_context(monkeypatch):
    made = _verify_of_each_client(monkeypatch)
    with pytest.raises(httpx.HTTPError):  # nothing listens there: the call is made, and refused
        http_client.get("http://127.0.0.1:9/", timeout=1)
    with http_client.client(timeout=1):
        pass
    assert len(made) == 2 and made[0] is made[1] is http_client.tls_context()


def test_every_client_of_a_simulator_shares_the_context_and_verifies(monkeypatch):
    made = _verify_of_each_client(monkeypatch)
    with simulator_http.client(timeout=1), simulator_http.client(timeout=1):
        pass
    context = simulator_http.tls_context()
    assert len(made) == 2 and made[0] is made[1] is context
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
