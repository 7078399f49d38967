"""The harness's HTTP calls share one TLS context: httpx builds one per client it makes (20 ms of CPU each)."""
from __future__ import annotations

import re

import httpx
import pytest

from trading_harness import http_client

from ..repo import REPO

HARNESS_CODE = ("trading_harness", "steps", "fixtures")
PER_CALL = re.compile(r"\bhttpx\.(get|post|put|patch|delete|head|request|stream|Client)\(")


def test_harness_code_makes_no_client_with_a_context_of_its_own():
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for folder in HARNESS_CODE for path in sorted((REPO / folder).rglob("*.py"))
             if path != REPO / "trading_harness" / "http_client.py"
             for number, line in enumerate(path.read_text().splitlines(), 1) if PER_CALL.search(line)]
    assert not found, "use trading_harness.http_client (get, post, put, request, client) instead:\n" + "\n".join(found)


def test_every_client_shares_the_context(monkeypatch):
    made = []
    real = httpx.Client.__init__

    def spy(self, *args, **kwargs):
        made.append(kwargs.get("verify"))
        real(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", spy)
    with pytest.raises(httpx.HTTPError):  # nothing listens there: the call is made, and refused
        http_client.get("http://127.0.0.1:9/", timeout=1)
    with http_client.client(timeout=1):
        pass
    assert len(made) == 2 and made[0] is made[1] is http_client.tls_context()
