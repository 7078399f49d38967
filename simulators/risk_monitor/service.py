"""The risk-monitor service: the reference client (PriceSubscriber, PositionReader) run as a surveillance service.

Production API (HTTP_PORT):
    GET /api/v1/alerts[?scenario_id=S&active=true|false]  {"alerts": [...]} newest first
    GET /api/v1/alerts/{id}                               one alert
    GET /api/v1/risk/status                               what it watches, active alerts, feed sequences seen

Audit/control API (AUDIT_PORT): begin / state / reset (simulators/common/chaos.py). Alerts raised while a
scenario is in progress carry its scenario id and trace id; reset resolves every alert and looks only at
what happens after it.

Domain variables: MARKET_DATA_SERVICE (found through the registry), RISK_SYMBOLS, EXCHANGE_URL,
CUSTODIAN_URL, STRATEGY_ENGINE_URL (the account to watch), AUDIT_CORRELATOR_URL, RISK_POLL_INTERVAL
(500ms), RISK_DROP_PERCENT (10), RISK_PEGS (USDT/USD=1), RISK_PEG_TOLERANCE_PERCENT (1), RISK_FEED_LATENCY
(500ms), RISK_ORDER_WINDOW (1s), RISK_MAX_ORDERS (10), SETTLEMENT_CYCLE (2s) x RISK_SETTLEMENT_MAX_CYCLES (10).
Faults: never-alerts, no-audit-events.
"""
from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import httpx

from simulators.common import chaos, http_client
from simulators.common.config import ConfigError
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.peers import PeerUnavailable
from simulators.common.service import Domain
from simulators.common.settings import Defaults

from . import rules
from .alerts import AlertBook
from .prices import PriceSubscriber

log = logging.getLogger("risk")
SYMBOLS = "BTC/USD,ETH/USD,ADA/USD,SOL/USD,DOT/USD,USDT/USD"
FAULTS = ("never-alerts", "no-audit-events")  # both read per alert: a running monitor switches them


def _decimal(env, name: str, default: str) -> Decimal:
    raw = env.string(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(name, "a positive decimal number", raw) from None
    if not value.is_finite() or value <= 0:
        raise ConfigError(name, "a positive decimal number", raw)
    return value


def _pegs(env) -> dict[str, Decimal]:
    raw = env.string("RISK_PEGS", "USDT/USD=1")
    try:
        pegs = {symbol.strip(): Decimal(peg) for symbol, peg in (item.split("=") for item in raw.split(",") if item)}
    except (ValueError, InvalidOperation):
        raise ConfigError("RISK_PEGS", "SYMBOL=PEG pairs like USDT/USD=1", raw) from None
    if any(not p.is_finite() or p <= 0 for p in pegs.values()):
        raise ConfigError("RISK_PEGS", "SYMBOL=PEG pairs like USDT/USD=1", raw)
    return pegs


class RiskDomain(Domain):
    defaults = Defaults(service_name="risk-monitor", namespace="risk", faults=FAULTS, switchable=FAULTS)

    def __init__(self, app):
        super().__init__(app)
        env, faults = app.settings.env, app.settings.faults
        http = ("http", "https")
        self.limits = rules.Limits(
            drop_percent=_decimal(env, "RISK_DROP_PERCENT", "10"), pegs=_pegs(env),
            peg_tolerance_percent=_decimal(env, "RISK_PEG_TOLERANCE_PERCENT", "1"),
            feed_latency=env.duration("RISK_FEED_LATENCY", "500ms", allow_zero=False),
            order_window=env.duration("RISK_ORDER_WINDOW", "1s", allow_zero=False),
            max_orders=env.integer("RISK_MAX_ORDERS", 10, minimum=1, maximum=100_000),
            settlement_max_age=env.duration("SETTLEMENT_CYCLE", "2s", allow_zero=False)
            * env.integer("RISK_SETTLEMENT_MAX_CYCLES", 10, minimum=1, maximum=10_000))
        self.symbols = [s.strip() for s in env.string("RISK_SYMBOLS", SYMBOLS).split(",") if s.strip()]
        self.market_data = env.string("MARKET_DATA_SERVICE", "market-data-simulator")
        self.exchange_url = env.url("EXCHANGE_URL", schemes=http).rstrip("/")
        self.custodian_url = env.url("CUSTODIAN_URL", schemes=http).rstrip("/")
        self.strategy_url = env.url("STRATEGY_ENGINE_URL", schemes=http).rstrip("/")
        correlator = env.url("AUDIT_CORRELATOR_URL", schemes=http)
        self.poll_interval = env.duration("RISK_POLL_INTERVAL", "500ms", allow_zero=False)
        self.context = chaos.ChaosContext()
        self.alerts = AlertBook(correlator, app.settings.instance, self.context, silent=faults.flag("never-alerts"),
                                unaudited=faults.flag("no-audit-events"))
        self.prices = rules.PriceRules(self.limits, self.alerts)
        self.subscriber: PriceSubscriber | None = None
        self.account: str | None = None
        self.since = datetime.now(UTC)  # orders and settlements before this are not looked at (start, reset)
        self.polls = 0
        self._lock = threading.Lock()  # one rule pass at a time (the poll loop, a reset)
        self._stop = threading.Event()
        self._client = http_client.client(timeout=httpx.Timeout(2.0, connect=1.0))
        self._threads = [threading.Thread(target=self._subscribe, name="risk-prices", daemon=True),
                         threading.Thread(target=self._poll, name="risk-poll", daemon=True)]

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.alerts.start()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.subscriber:
            self.subscriber.stop()
        for thread in self._threads:
            thread.join(timeout=3)
        self.alerts.stop()
        self._client.close()

    def _subscribe(self) -> None:
        """Find market data through the registry, then take every price update it publishes."""
        while not self._stop.is_set():
            try:
                target, _ = self.app.peers.locate(self.market_data)
            except PeerUnavailable as exc:
                log.info("market data not found yet", extra={"error": str(exc)})
                self._stop.wait(self.poll_interval)
                continue
            self.subscriber = PriceSubscriber(target, self.symbols, on_update=self._on_price, keep=1000).start()
            log.info("watching prices", extra={"target": target, "symbols": ",".join(self.symbols)})
            return

    def _on_price(self, update) -> None:
        with self._lock:
            self.prices.check(update)

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_interval):
            with self._lock:
                self._poll_once()
            self.polls += 1

    # -- the service rules ---------------------------------------------------------------------
    def _get(self, url: str) -> tuple[int | None, object, str]:
        try:
            reply = self._client.get(url)
        except httpx.HTTPError as exc:
            return None, None, str(exc) or type(exc).__name__
        try:
            return reply.status_code, reply.json(), reply.text[:200]
        except ValueError:
            return reply.status_code, None, reply.text[:200]

    def _poll_once(self) -> None:
        status, _, detail = self._get(f"{self.exchange_url}/api/v1/orderbook/BTC/USD")
        rules.check_exchange(self.alerts, status, f"{status or 'no answer'}: {detail}")
        if self.account is None:
            status, body, _ = self._get(f"{self.strategy_url}/api/v1/strategy")
            self.account = body.get("account_id") if status == 200 and isinstance(body, dict) else None
            if self.account is None:
                return
        now = datetime.now(UTC)
        status, body, _ = self._get(f"{self.exchange_url}/api/v1/accounts/{self.account}/orders")
        if status == 200:
            orders = [o for o in body["orders"] if _after(o["submitted_at"], self.since)]
            rules.check_orders(self.alerts, self.limits, self.account, orders, now)
        status, body, _ = self._get(f"{self.custodian_url}/api/v1/accounts/{self.account}/settlements")
        if status == 200:
            settlements = [s for s in body["settlements"] if _after(s["initiated_at"], self.since)]
            rules.check_settlements(self.alerts, self.limits, self.account, settlements, set(), now)

    # -- chaos control -------------------------------------------------------------------------
    def reset(self) -> None:
        """Every alert resolved; orders and settlements looked at from now on (the last prices are kept:
        a drop is measured from the update before it)."""
        with self._lock:
            self.alerts.resolve_all()
            self.since = datetime.now(UTC)

    def feed_sequences(self) -> dict[str, int]:
        sub = self.subscriber
        return {s: (sub.latest(s).feed_sequence if sub and sub.latest(s) else 0) for s in self.symbols}

    def status(self) -> dict:
        return {"symbols": self.symbols, "account_id": self.account, "active_alerts": self.alerts.active_count(),
                "polls": self.polls, "feed_sequences": self.feed_sequences(),
                "audit_events": {"sent": self.alerts.sent, "failed": self.alerts.send_failures},
                "limits": {"drop_percent": str(self.limits.drop_percent),
                           "peg_tolerance_percent": str(self.limits.peg_tolerance_percent),
                           "feed_latency_seconds": self.limits.feed_latency,
                           "order_window_seconds": self.limits.order_window, "max_orders": self.limits.max_orders,
                           "settlement_max_age_seconds": self.limits.settlement_max_age,
                           "poll_interval_seconds": self.poll_interval}}

    # -- HTTP ----------------------------------------------------------------------------------
    def routes(self, router: Router) -> None:
        @router.route("GET", "/api/v1/alerts")
        def alerts(request: Request) -> Response:
            active = request.query.get("active")
            if active not in (None, "true", "false"):
                raise ApiError(422, "invalid_value", "active must be true or false.")
            scenario = request.query.get("scenario_id")
            return Response(200, {"alerts": self.alerts.listing(scenario, None if active is None else active == "true")})

        @router.route("GET", "/api/v1/alerts/{id}")
        def alert(request: Request) -> Response:
            found = self.alerts.get(request.params["id"])
            if found is None:
                raise ApiError(404, "not_found", f"No alert {request.params['id'][:64]}.")
            return Response(200, found)

        @router.route("GET", "/api/v1/risk/status")
        def status(_: Request) -> Response:
            return Response(200, self.status())

    def audit_routes(self, router: Router) -> None:
        def state() -> dict:
            active = self.alerts.active_count()
            return {"service": "risk-monitor", "baseline": active == 0 and self.context.scenario_id is None,
                    "active_alerts": active, "feed_sequences": self.feed_sequences()}

        # begin starts afresh too: an alert left over from before the scenario must not hide one of its own
        chaos.add_chaos_routes(router, self.context, begin=self.reset, reset=self.reset, state=state)

    def grpc(self, server) -> None:
        """No domain gRPC service: health and reflection only."""


def _after(iso: str, since: datetime) -> bool:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")) >= since


