"""Calls to other simulators over gRPC: found through the registry, pooled, behind a circuit breaker.

A peer is looked up by service name (GET /api/v1/services/<name>); no port is configured.
Channels are kept per target and reused. After CIRCUIT_BREAKER_FAILURES consecutive failures
the breaker opens and calls fail fast with CircuitOpen; after CIRCUIT_BREAKER_COOLDOWN one
trial call is let through (half-open): success closes the breaker, failure opens it again.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TypeVar

import grpc
import httpx

from . import http_client, tracing

log = logging.getLogger("peers")
T = TypeVar("T")


class PeerUnavailable(Exception):
    """The peer could not be found or did not answer."""


class UnknownPeer(PeerUnavailable):
    """The registry has no live instance of the peer."""


class CircuitOpen(PeerUnavailable):
    """The breaker is open: the call was not attempted."""


class CircuitBreaker:
    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, failures: int, cooldown: float):
        self.threshold = failures
        self.cooldown = cooldown
        self.state = self.CLOSED
        self.consecutive_failures = 0
        self.opened_at = 0.0
        self.rejected = 0
        self._lock = threading.Lock()

    def before_call(self) -> None:
        with self._lock:
            if self.state == self.OPEN:
                if time.monotonic() - self.opened_at < self.cooldown:
                    self.rejected += 1
                    raise CircuitOpen(f"circuit open after {self.consecutive_failures} consecutive failures; "
                                      f"retrying after {self.cooldown}s")
                self.state = self.HALF_OPEN
            elif self.state == self.HALF_OPEN:
                self.rejected += 1
                raise CircuitOpen("circuit half-open: a trial call is in flight")

    def succeeded(self) -> None:
        with self._lock:
            self.state, self.consecutive_failures = self.CLOSED, 0

    def failed(self) -> None:
        with self._lock:
            self.consecutive_failures += 1
            if self.state == self.HALF_OPEN or self.consecutive_failures >= self.threshold:
                self.state, self.opened_at = self.OPEN, time.monotonic()

    def describe(self) -> dict[str, object]:
        with self._lock:
            return {"state": self.state, "consecutive_failures": self.consecutive_failures,
                    "rejected_calls": self.rejected, "threshold": self.threshold, "cooldown_seconds": self.cooldown}


class Peers:
    """gRPC stubs for other services, by service name."""

    def __init__(self, registry_url: str | None, *, failures: int, cooldown: float, timeout: float,
                 pooled: bool = True, propagate: bool = True):
        self.registry_url = registry_url.rstrip("/") if registry_url else None
        self.propagate = propagate  # False only for the no-trace-propagation fault: no traceparent on calls
        self.timeout = timeout
        self.failures, self.cooldown = failures, cooldown
        self.pooled = pooled  # False only for the no-channel-pool fault
        self.http = http_client.client(timeout=timeout)
        self.breakers: dict[str, CircuitBreaker] = {}
        self._channels: dict[str, grpc.Channel] = {}
        self._targets: dict[str, tuple[str, str]] = {}  # service -> (target, instance)
        self._lock = threading.Lock()
        self.channels_opened = 0

    def breaker(self, service: str) -> CircuitBreaker:
        with self._lock:
            return self.breakers.setdefault(service, CircuitBreaker(self.failures, self.cooldown))

    def call(self, service: str, stub_class: type, method: str, request: object) -> tuple[object, str]:
        """(reply, answering instance) of stub.method(request), through the breaker."""
        breaker = self.breaker(service)
        breaker.before_call()
        try:
            target, instance = self._locate(service)
            stub = stub_class(self._channel(target))
            metadata = tracing.outgoing_metadata() if self.propagate else None
            reply = getattr(stub, method)(request, timeout=self.timeout, metadata=metadata or None)
        except grpc.RpcError as exc:
            if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                              grpc.StatusCode.RESOURCE_EXHAUSTED):
                breaker.failed()
                self._forget(service, target)
                raise PeerUnavailable(f"{service} did not answer: {exc.code().name}") from None
            breaker.succeeded()  # the peer answered; the request itself was refused
            raise
        except PeerUnavailable:
            breaker.failed()
            raise
        breaker.succeeded()
        return reply, instance

    def known(self, service: str) -> bool:
        """Whether this service has called `service` before (it has a breaker)."""
        with self._lock:
            return service in self.breakers

    def registered(self, service: str) -> bool:
        """Whether the registry lists a live instance of service (PeerUnavailable when it cannot be asked)."""
        try:
            self._locate(service)
        except UnknownPeer:
            return False
        return True

    def locate(self, service: str) -> tuple[str, str]:
        """(host:grpc_port, instance) of a live instance, found through the registry (PeerUnavailable if none)."""
        return self._locate(service)

    def _locate(self, service: str) -> tuple[str, str]:
        with self._lock:
            if service in self._targets:
                return self._targets[service]
        if self.registry_url is None:
            raise PeerUnavailable("no REGISTRY_URL is configured, so no peer can be found")
        try:
            reply = self.http.get(f"{self.registry_url}/api/v1/services/{service}")
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"the registry is unreachable: {exc or type(exc).__name__}") from None
        if reply.status_code == 404:
            raise UnknownPeer(f"no live instance of {service} is registered")
        if reply.status_code != 200:
            raise PeerUnavailable(f"the registry answered {reply.status_code} for {service}")
        live = [i for i in reply.json().get("instances", []) if "grpc" in (i.get("ports") or {})]
        healthy = [i for i in live if i.get("status") == "healthy"] or live
        if not healthy:
            raise PeerUnavailable(f"no instance of {service} offers gRPC")
        chosen = healthy[0]
        located = (f"{chosen['host']}:{chosen['ports']['grpc']}", chosen["instance"])
        with self._lock:
            self._targets[service] = located
        return located

    def _channel(self, target: str) -> grpc.Channel:
        with self._lock:
            if target not in self._channels or not self.pooled:
                self._channels[target] = grpc.insecure_channel(target)
                self.channels_opened += 1
            return self._channels[target]

    def _forget(self, service: str, target: str) -> None:
        """Look the peer up again, on a new channel: a channel that failed may wait out a reconnect backoff
        (seconds, growing) and fail every call meanwhile, after the peer is back. Calls still in flight on the
        old channel keep it until they end (it closes when it is collected)."""
        with self._lock:
            self._targets.pop(service, None)
            self._channels.pop(target, None)

    def describe(self) -> dict[str, object]:
        with self._lock:
            names = list(self.breakers)
            targets = dict(self._targets)
            opened = self.channels_opened
        return {"channels_opened": opened,
                "services": {name: {**self.breakers[name].describe(), "target": targets.get(name, (None,))[0]}
                             for name in names}}

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
        self.http.close()
