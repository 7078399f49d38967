"""httpx clients that share one TLS context per process.

httpx builds a TLS context, CA bundle loaded, for every client it makes: about 20 ms of CPU each. A service
makes several as it starts (discovery, configuration, peers) and the risk monitor one per alert it sends,
though their calls are plain HTTP inside the stack. The context is httpx's default one (SSL_CERT_FILE,
SSL_CERT_DIR, else certifi's bundle), made once on first use, so an https:// peer is verified as before.
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
