"""httpx for the harness, with one TLS context for every client.

httpx builds a TLS context for every client it makes, `httpx.get()` included, and loading the CA
bundle into it costs about 20 ms of CPU. The harness makes thousands of short plain-HTTP calls to
loopback services (health polls, probes): that was 24 s of CPU in one `pytest features/` run. Here
the context is httpx's default one (SSL_CERT_FILE, SSL_CERT_DIR, else certifi's bundle), made once on first
use, so a call to an https:// deployment verifies as before.
"""
from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def client(**kwargs: Any) -> httpx.Client:
    """An httpx.Client sharing the TLS context; its own connections, as httpx.Client(**kwargs)."""
    return httpx.Client(verify=tls_context(), **kwargs)


def request(method: str, url: str, *, timeout: float | httpx.Timeout, **kwargs: Any) -> httpx.Response:
    """One request on a fresh connection, as httpx.request (a timeout is required)."""
    return httpx.request(method, url, timeout=timeout, verify=tls_context(), **kwargs)


def get(url: str, *, timeout: float | httpx.Timeout, **kwargs: Any) -> httpx.Response:
    return request("GET", url, timeout=timeout, **kwargs)


def post(url: str, *, timeout: float | httpx.Timeout, **kwargs: Any) -> httpx.Response:
    return request("POST", url, timeout=timeout, **kwargs)


def put(url: str, *, timeout: float | httpx.Timeout, **kwargs: Any) -> httpx.Response:
    return request("PUT", url, timeout=timeout, **kwargs)
