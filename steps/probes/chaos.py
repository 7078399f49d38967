"""The chaos services as a scenario sees them: the test coordinator, the risk monitor, the audit correlator,
and the effects a scenario leaves on market data, the exchange, the custodian and the strategy engine.

Every call has a timeout; each request and answer goes to the evidence.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack

COORDINATOR, RISK, CORRELATOR = "test-coordinator", "risk-monitor", "audit-correlator"
MARKET, EXCHANGE, CUSTODIAN, STRATEGY = ("market-data-simulator", "exchange-binance", "custodian-simulator",
                                         "trading-strategy-engine")
CONTROLLED = (MARKET, EXCHANGE, CUSTODIAN, STRATEGY, RISK)
SCENARIOS = ("market-crash", "stablecoin-depeg", "exchange-downtime", "settlement-failure", "strategy-malfunction",
             "feed-disruption")


def when(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


class ChaosProbe:
    def __init__(self, stack: Stack, evidence: Evidence, timeout: float = 5.0):
        self.stack = stack
        self.evidence = evidence
        self.client = http_client.client(timeout=httpx.Timeout(timeout, connect=2.0))
        self.run: dict | None = None  # the run this scenario started
        self.noted: dict[str, Decimal] = {}  # prices noted before the run

    def close(self) -> None:
        """The finaliser: whatever happened, the stack goes back to its baseline."""
        try:
            if self.run is not None or self.status()["state"] != "idle":
                self.reset()
        finally:
            self.client.close()

    # -- plain HTTP ---------------------------------------------------------------------
    def request(self, method: str, url: str, body: dict | None = None) -> httpx.Response:
        reply = self.client.request(method, url, json=body)
        self.evidence.record("http", f"{method} {url} {body if body is not None else ''}",
                             f"{reply.status_code} {reply.text[:1500]}")
        return reply

    def get(self, service: str, path: str, *, audit: bool = False) -> dict:
        base = self.stack.audit_url(service) if audit else self.stack.http_url(service)
        reply = self.request("GET", base + path)
        assert reply.status_code == 200, f"GET {path} on {service}: {reply.status_code} {reply.text[:300]}"
        return reply.json()

    # -- the coordinator -------------------------------------------------------------------
    def scenarios(self) -> list[dict]:
        return self.get(COORDINATOR, "/api/v1/scenarios")["scenarios"]

    def status(self) -> dict:
        return self.get(COORDINATOR, "/api/v1/status")

    def start(self, name: str) -> dict:
        reply = self.request("POST", f"{self.stack.http_url(COORDINATOR)}/api/v1/scenarios/{name}/run")
        assert reply.status_code == 202, f"run {name}: {reply.status_code} {reply.text[:300]}"
        self.run = reply.json()
        return self.run

    def start_custom(self, body: dict) -> httpx.Response:
        reply = self.request("POST", f"{self.stack.http_url(COORDINATOR)}/api/v1/runs", body)
        if reply.status_code == 202:
            self.run = reply.json()
        return reply

    def run_record(self) -> dict:
        return self.get(COORDINATOR, f"/api/v1/runs/{self.run['scenario_id']}")

    def wait_held(self, timeout: float) -> dict:
        """The run once every step is done and the detection is known (state holding)."""
        def held() -> dict | None:
            run = self.run_record()
            assert run["error"] is None, f"the run failed: {run['error']}"
            return run if run["state"] in ("holding", "reset") and run["detection"] is not None else None
        self.run = wait_until(held, timeout, interval=0.05, message=f"{self.run['name']} held with its detection")
        return self.run

    def reset(self) -> dict:
        reply = self.request("POST", f"{self.stack.http_url(COORDINATOR)}/api/v1/reset")
        assert reply.status_code == 200, f"reset: {reply.status_code} {reply.text[:300]}"
        self.run = None
        return reply.json()

    # -- risk monitor and audit correlator ------------------------------------------------------
    def alerts(self, scenario_id: str | None = None, active: bool | None = None) -> list[dict]:
        query = "&".join(f"{k}={v}" for k, v in (("scenario_id", scenario_id),
                                                  ("active", None if active is None else str(active).lower())) if v)
        return self.get(RISK, f"/api/v1/alerts?{query}")["alerts"]

    def correlation(self, scenario_id: str) -> dict:
        return self.get(CORRELATOR, f"/api/v1/correlations/{scenario_id}")

    def chaos_state(self, service: str) -> dict:
        return self.get(service, "/audit/v1/chaos", audit=True)

    # -- market data ----------------------------------------------------------------------------
    def quote(self, symbol: str) -> dict:
        return self.get(MARKET, f"/api/v1/prices/{symbol}")

    def prices(self) -> dict[str, dict]:
        return {q["symbol"]: q for q in self.get(MARKET, "/api/v1/prices")["prices"]}

    def note_prices(self) -> dict[str, Decimal]:
        self.noted = {s: Decimal(q["price"]) for s, q in self.prices().items()}
        self.noted["USDT/USD"] = Decimal(self.quote("USDT/USD")["price"])
        return self.noted

    def history(self, symbol: str, limit: int = 1000) -> dict[int, Decimal]:
        rows = self.get(MARKET, f"/api/v1/prices/{symbol}/history?limit={limit}")["history"]
        return {int(r["feed_sequence"]): Decimal(r["price"]) for r in rows}

    # -- exchange, custodian, strategy ------------------------------------------------------------
    def strategy(self) -> dict:
        return self.get(STRATEGY, "/api/v1/strategy")

    def place_probe_order(self) -> httpx.Response:
        """A MARKET buy of 0.001 BTC for the strategy's account, straight to the exchange."""
        account = self.strategy()["account_id"]
        return self.request("POST", f"{self.stack.http_url(EXCHANGE)}/api/v1/orders",
                            {"account_id": account, "symbol": "BTC/USD", "side": "BUY", "type": "MARKET",
                             "quantity": "0.001"})

    def strategy_orders(self) -> list[dict]:
        return self.get(EXCHANGE, f"/api/v1/accounts/{self.strategy()['account_id']}/orders")["orders"]

    def strategy_settlements(self) -> list[dict]:
        return self.get(CUSTODIAN, f"/api/v1/accounts/{self.strategy()['account_id']}/settlements")["settlements"]

    def settlement(self, settlement_id: str) -> dict:
        return self.get(CUSTODIAN, f"/api/v1/settlements/{settlement_id}")


def busiest_second(orders: list[dict]) -> int:
    """The most orders submitted within any one second."""
    times = sorted(when(o["submitted_at"]) for o in orders)
    best, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] > timedelta(seconds=1):
            first += 1
        best = max(best, last - first + 1)
    return best


def age_seconds(timestamp_ns: int) -> float:
    return (datetime.now(UTC).timestamp() * 1e9 - timestamp_ns) / 1e9
