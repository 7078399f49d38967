"""The services' chaos control APIs (their AUDIT_PORT), as the coordinator drives them.

Each call carries the run's W3C traceparent; every call has a timeout; an answer other than 2xx raises
ControlError naming the service, the request and the answer.
"""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import httpx

from simulators.common import http_client

SERVICES = ("market-data", "exchange", "custodian", "strategy", "risk-monitor")


class ControlError(Exception):
    """A control API did not answer 2xx (or did not answer)."""


class Controls:
    def __init__(self, urls: dict[str, str], timeout: float = 2.0):
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.client = http_client.client(timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)))

    def close(self) -> None:
        self.client.close()

    def call(self, service: str, method: str, path: str, body: dict | None = None,
             traceparent: str | None = None) -> dict:
        url = f"{self.urls[service]}{path}"
        headers = {"traceparent": traceparent} if traceparent else {}
        try:
            reply = self.client.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ControlError(f"{service}: {method} {path} failed: {exc or type(exc).__name__}") from None
        if not 200 <= reply.status_code < 300:
            raise ControlError(f"{service}: {method} {path} answered {reply.status_code}: {reply.text[:200]}")
        return reply.json()

    # -- every service ---------------------------------------------------------------
    def begin(self, scenario_id: str, traceparent: str) -> None:
        for service in SERVICES:
            self.call(service, "POST", "/audit/v1/chaos/begin", {"scenario_id": scenario_id,
                                                               "traceparent": traceparent}, traceparent)

    def state(self, service: str) -> dict:
        return self.call(service, "GET", "/audit/v1/chaos")

    def reset(self, service: str, traceparent: str | None = None) -> dict:
        return self.call(service, "POST", "/audit/v1/chaos/reset", traceparent=traceparent)

    # -- actions ---------------------------------------------------------------------
    def act(self, action: str, args: dict, traceparent: str, on_publish=None,
            stop: threading.Event | None = None) -> dict:
        """Perform one scenario action; on_publish(price) is told each price a ramp publishes."""
        if action == "market.shock":
            return self.call("market-data", "POST", "/audit/v1/chaos/shock", {"percent": str(args["percent"])},
                             traceparent)
        if action == "market.set_price":
            base, quote = str(args["symbol"]).split("/")
            return self.call("market-data", "PUT", f"/audit/v1/prices/{base}/{quote}", {"price": str(args["price"])},
                             traceparent)
        if action == "market.ramp":
            return self._ramp(args, traceparent, on_publish, stop or threading.Event())
        if action == "market.disruption":
            return self.call("market-data", "PUT", "/audit/v1/chaos/disruption",
                             {"latency_ms": int(args.get("latency_ms", 0)), "corrupt": bool(args.get("corrupt", False))},
                             traceparent)
        if action == "exchange.downtime":
            return self.call("exchange", "PUT", "/audit/v1/chaos/downtime", {"down": bool(args["down"])}, traceparent)
        if action == "custodian.settlements":
            return self.call("custodian", "PUT", "/audit/v1/chaos/settlements",
                             {k: bool(v) for k, v in args.items()}, traceparent)
        if action == "strategy.runaway":
            return self.call("strategy", "PUT", "/audit/v1/chaos/runaway",
                             {"orders_per_tick": int(args["orders_per_tick"])}, traceparent)
        raise ControlError(f"unknown action {action}")

    def _ramp(self, args: dict, traceparent: str, on_publish, stop: threading.Event) -> dict:
        """Move a price in equal steps to `to`: `over` of scenario time compressed to `compressed_to` seconds."""
        base, quote = str(args["symbol"]).split("/")
        path = f"/audit/v1/prices/{base}/{quote}"
        state = self.call("market-data", "GET", "/audit/v1/state")
        quotes = {**state["symbols"], **state.get("pegged", {})}
        if args["symbol"] not in quotes:
            raise ControlError(f"market-data: no quote for {args['symbol']} to ramp")
        start = Decimal(quotes[args["symbol"]]["price"])
        target, steps = Decimal(str(args["to"])), args["steps"]
        pause = args["compressed_to"] / steps
        due = time.monotonic()
        answer: dict = {}
        for i in range(1, steps + 1):
            due += pause
            if stop.wait(max(0.0, due - time.monotonic())):  # the ramp's pace; a reset stops it
                break
            price = start + (target - start) * i / steps
            sent_ns = time.time_ns()
            answer = self.call("market-data", "PUT", path, {"price": str(price.quantize(Decimal("0.00000001")))},
                               traceparent)
            if on_publish:
                on_publish(start, Decimal(answer["price"]), sent_ns)
        return answer
