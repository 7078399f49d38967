"""The market-data simulator as the steps see it: production REST, the audit/control API, Redis history, gRPC.

Everything that changes shared state (pause, interval, a set price) is undone by restore(), which the
`market_data` fixture calls after each scenario, so later scenarios see a normal feed.
"""
from __future__ import annotations

import json
from decimal import Decimal

import grpc
import httpx
import redis

from simulators.proto import load
from trading_harness import http_client
from trading_harness.errors import HarnessError
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

pb, pb_grpc = load("market_data")
SERVICE = "market-data-simulator"
TIMEOUT = 5.0


class MarketDataClient:
    def __init__(self, stack: Stack, evidence: Evidence):
        self.stack = stack
        self.evidence = evidence
        self._changed_feed = False
        self._set_prices: dict[str, Decimal] = {}  # symbol -> price before the scenario set it
        self.state_before: dict | None = None
        self._snapshot_interval: float | None = None  # the configured one, once a scenario changed it

    # -- HTTP ------------------------------------------------------------------------------
    def _call(self, method: str, url: str, label: str, body: object = None) -> httpx.Response:
        reply = http_client.request(method, url, json=body, timeout=TIMEOUT)
        self.evidence.record("http", f"{method} {label} {json.dumps(body) if body is not None else ''}".strip(),
                             f"{reply.status_code} {reply.text[:400]}")
        return reply

    def api(self, method: str, path: str, body: object = None) -> httpx.Response:
        return self._call(method, self.stack.http_url(SERVICE) + path, f"{SERVICE}{path}", body)

    def audit(self, method: str, path: str, body: object = None, *, on_production: bool = False) -> httpx.Response:
        base = self.stack.http_url(SERVICE) if on_production else self.stack.audit_url(SERVICE)
        return self._call(method, base + path, f"{SERVICE} {'production' if on_production else 'audit'} {path}", body)

    def price(self, symbol: str) -> httpx.Response:
        return self.api("GET", f"/api/v1/prices/{symbol}")

    def state(self) -> dict:
        reply = self.audit("GET", "/audit/v1/state")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def history(self, symbol: str, limit: int) -> list[dict]:
        reply = self.api("GET", f"/api/v1/prices/{symbol}/history?limit={limit}")
        assert reply.status_code == 200, reply.text
        return reply.json()["history"]

    # -- control (undone by restore) --------------------------------------------------------
    def set_price(self, symbol: str, price: str) -> httpx.Response:
        before = self.state()["symbols"].get(symbol)
        reply = self.audit("PUT", f"/audit/v1/prices/{symbol}", {"price": price})
        if reply.status_code == 200 and before:
            self._set_prices.setdefault(symbol, Decimal(before["price"]))
        return reply

    def shock(self, symbol: str, percent: str) -> httpx.Response:
        before = self.state()["symbols"].get(symbol)
        reply = self.audit("POST", f"/audit/v1/prices/{symbol}/shock", {"percent": percent})
        if reply.status_code == 200 and before:
            self._set_prices.setdefault(symbol, Decimal(before["price"]))
        return reply

    def pause(self, paused: bool = True) -> httpx.Response:
        self._changed_feed = True
        return self.audit("POST", f"/audit/v1/feed/{'pause' if paused else 'resume'}")

    def set_interval(self, seconds: float | str) -> httpx.Response:
        self._changed_feed = True
        return self.audit("PUT", "/audit/v1/feed/interval", {"seconds": str(seconds)})

    def set_snapshot_interval(self, seconds: float | str) -> httpx.Response:
        if self._snapshot_interval is None:
            self._snapshot_interval = self.state()["snapshot_interval_seconds"]
        return self.audit("PUT", "/audit/v1/snapshots/interval", {"seconds": str(seconds)})

    def remember_state(self) -> dict:
        """The audit state before a request that must change nothing (restored afterwards if it did)."""
        self._changed_feed = True
        self.state_before = self.state()
        for symbol, quote in self.state_before["symbols"].items():
            self._set_prices.setdefault(symbol, Decimal(quote["price"]))
        return self.state_before

    def restore(self) -> None:
        """Resume the feed at the configured interval and put back the prices the scenario set.

        When the audit API cannot be reached at all there is nothing to undo (no change went through).
        """
        try:
            self._restore()
        except (httpx.TransportError, HarnessError) as exc:
            self.evidence.record("http", "restore the feed through the audit API", f"unreachable: {exc}")

    def _restore(self) -> None:
        if self._changed_feed:
            self.audit("POST", "/audit/v1/feed/resume")
            self.audit("PUT", "/audit/v1/feed/interval", {"seconds": repr(self.stack.timing.price_update_interval)})
        if self._snapshot_interval is not None:
            self.audit("PUT", "/audit/v1/snapshots/interval", {"seconds": repr(self._snapshot_interval)})
        for symbol, price in self._set_prices.items():
            self.audit("PUT", f"/audit/v1/prices/{symbol}", {"price": str(price)})

    # -- Redis history -----------------------------------------------------------------------
    def redis_history(self, symbol: str, count: int = -1) -> list[dict]:
        """<namespace>:history:<symbol>, newest first, read as the market-data domain's own ACL user."""
        profile = self.stack.definition.profile
        key = f"{profile.domain_name('market_data', 'namespace')}:history:{symbol}"
        client = redis.Redis.from_url(self.stack.redis_url(profile.domain_name("market_data", "redis_user")), socket_timeout=TIMEOUT,
                                      decode_responses=True)
        try:
            items = client.lrange(key, 0, count - 1 if count > 0 else -1)
        finally:
            client.close()
        self.evidence.record("redis", f"LRANGE {key} 0 {count - 1 if count > 0 else -1}",
                             f"{len(items)} entries: {items[:2]}...")
        return [json.loads(item) for item in items]

    # -- gRPC -------------------------------------------------------------------------------
    def get_price_code(self, symbol: str) -> str:
        with grpc.insecure_channel(self.stack.grpc_target(SERVICE)) as channel:
            try:
                pb_grpc.MarketDataStub(channel).GetPrice(pb.GetPriceRequest(symbol=symbol), timeout=TIMEOUT)
                code = "OK"
            except grpc.RpcError as exc:
                code = exc.code().name
        self.evidence.record("grpc", f"GetPrice {symbol}", code)
        return code

    def scenario(self, symbol: str, kind: str, intensity: float, duration_ms: float,
                 interval_ms: float = 0) -> tuple[list, str]:
        """StreamScenario: (updates, status code name)."""
        kinds = dict(pb.ScenarioType.items())
        request = pb.StreamScenarioRequest(symbol=symbol, type=kinds.get(kind, 99), intensity=intensity,
                                           duration_ms=duration_ms, interval_ms=interval_ms)
        updates, code = [], "OK"
        with grpc.insecure_channel(self.stack.grpc_target(SERVICE)) as channel:
            try:
                for update in pb_grpc.MarketDataStub(channel).StreamScenario(request, timeout=duration_ms / 1000 + 10):
                    updates.append(update)
            except grpc.RpcError as exc:
                code = exc.code().name
        shown = [(round(u.progress, 2), u.price.price, u.reference_price) for u in updates[:: max(1, len(updates) // 5)]]
        self.evidence.record("grpc", f"StreamScenario {symbol} {kind} intensity={intensity} duration_ms={duration_ms}",
                             f"{code}: {len(updates)} updates (progress, price, live): {shown}")
        return updates, code
