"""The simulators' shared service contract, tested directly: configuration, stub mode, bad input."""
from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from simulators.common.database import Database
from simulators.common.peers import CircuitBreaker, CircuitOpen, Peers, PeerUnavailable
from trading_harness.definition import StackDefinition
from trading_harness.polling import wait_until
from trading_harness.servers.ports import free_port
from trading_harness.targets.embedded import EmbeddedStack

from ..conftest import REPO
from ..loopback import serving

SECRET = "s3cret-pw"
SIMULATORS = ("exchange", "custodian", "market_data", "audit_correlator")


def _env(**overrides: str) -> dict[str, str]:
    closed = free_port()
    env = {**os.environ, "HTTP_HOST": "127.0.0.1", "GRPC_HOST": "127.0.0.1", "ADVERTISE_HOST": "127.0.0.1",
           "HTTP_PORT": str(free_port()), "GRPC_PORT": str(free_port()),
           "POSTGRES_URL": f"postgres://exchange_adapter:{SECRET}@127.0.0.1:{closed}/trading_ecosystem",
           "REDIS_URL": f"redis://exchange-adapter:{SECRET}@127.0.0.1:{closed}/0",
           "HEARTBEAT_INTERVAL": "0.2s", "SERVICE_TTL": "1s", "READY_CHECK_INTERVAL": "0.2s"}
    env.update(overrides)
    return env


def _run(module: str, env: dict[str, str], timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"simulators.{module}"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("variable, value", [
    ("HTTP_PORT", "eighty"), ("GRPC_PORT", "70000"), ("SERVICE_TTL", "soon"),
    ("ENVIRONMENT", "staging"), ("CACHE_NAMESPACE", "Bad-Name"), ("SERVICE_INSTANCE_NAME", "Exchange OKX"),
    ("POSTGRES_URL", "not a url"), ("REDIS_URL", ""), ("SIMULATOR_FAULTS", "explode"), ("AUDIT_PORT", "99999"),
])
def test_invalid_configuration_is_one_line_and_exit_2(variable, value):
    result = _run("exchange", _env(**{variable: value}))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr
    assert SECRET not in result.stderr


def test_the_audit_api_needs_its_own_port():
    env = _env()
    result = _run("exchange", {**env, "AUDIT_PORT": env["HTTP_PORT"]})
    assert result.returncode == 2 and "AUDIT_PORT" in result.stderr, result.stderr


def test_a_fault_of_another_domain_is_refused():
    """Each simulator knows its own faults: the exchange's is no fault of the custodian."""
    result = _run("custodian", _env(SIMULATOR_FAULTS="stale-price"))
    assert result.returncode == 2 and "SIMULATOR_FAULTS" in result.stderr, result.stderr


def test_ttl_must_outlast_the_heartbeat():
    result = _run("custodian", _env(HEARTBEAT_INTERVAL="2s", SERVICE_TTL="1s"))
    assert result.returncode == 2 and "SERVICE_TTL" in result.stderr, result.stderr


@pytest.mark.parametrize("variable, value", [("DEFAULT_SYMBOLS", "BTCUSD"), ("PRICE_UPDATE_INTERVAL", "fast"),
                                             ("SPREAD_BPS", "-1")])
def test_invalid_market_data_configuration(variable, value):
    result = _run("market_data", _env(**{variable: value}))
    assert result.returncode == 2 and variable in result.stderr, result.stderr


@pytest.mark.parametrize("module", SIMULATORS)
def test_stub_mode_without_postgres_and_redis_then_clean_exit(module):
    """No dependency reachable: the service serves health, says not ready, and stops with 0 on SIGTERM."""
    env = _env()
    base = f"http://127.0.0.1:{env['HTTP_PORT']}"
    proc = subprocess.Popen([sys.executable, "-m", f"simulators.{module}"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200, 15,
                   message=f"{module} to answer health")
        ready = httpx.get(f"{base}/api/v1/ready", timeout=3)
        assert ready.status_code == 503 and ready.json()["ready"] is False, ready.text
        assert set(ready.json()["components"]) == {"postgres", "redis"}
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - began < 5
        log = proc.stderr.read()
        assert SECRET not in log
        assert all(json.loads(line) for line in log.splitlines() if line.strip())
        assert "stub mode" in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_circuit_breaker_opens_fails_fast_and_half_opens():
    breaker = CircuitBreaker(failures=2, cooldown=0.2)
    breaker.before_call()
    breaker.failed()
    breaker.before_call()
    breaker.failed()
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    wait_until(lambda: time.sleep(0.05) or _admits(breaker), 2, message="the breaker to half-open")
    assert breaker.state == "half-open"
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # one trial at a time
    breaker.succeeded()
    assert breaker.state == "closed"


def _admits(breaker: CircuitBreaker) -> bool:
    try:
        breaker.before_call()
        return True
    except CircuitOpen:
        return False


# -- bad input against the real simulators ---------------------------------------------------
BAD_REQUESTS = [
    # (service, method, path, body bytes or JSON, expected status)
    ("exchange-simulator", "POST", "/api/v1/accounts", b"{", 400),
    ("exchange-simulator", "POST", "/api/v1/accounts", {"user_id": "u", "account_type": "LOAN"}, 422),
    ("exchange-simulator", "POST", "/api/v1/accounts", {"user_id": 7, "account_type": "SPOT"}, 422),
    ("exchange-simulator", "POST", "/api/v1/accounts", {"user_id": "u" * 101, "account_type": "SPOT"}, 422),
    ("exchange-simulator", "POST", "/api/v1/accounts", {"user_id": "u", "account_type": "SPOT", "x": 1}, 422),
    ("exchange-simulator", "GET", "/api/v1/accounts/00000000-0000-0000-0000-000000000000", None, 404),
    ("exchange-simulator", "GET", "/api/v1/market/prices/XXX/USD", None, 404),
    ("exchange-simulator", "GET", "/api/v1/market/prices/b@d/usd", None, 422),
    ("custodian-simulator", "POST", "/api/v1/positions", {"account_id": "a", "symbol": "BTC/USD", "quantity": "-1"}, 422),
    ("custodian-simulator", "POST", "/api/v1/positions", {"account_id": "a", "symbol": "BTC/USD", "quantity": 1.5}, 422),
    ("custodian-simulator", "POST", "/api/v1/positions", {"account_id": "a", "symbol": "BTCUSD", "quantity": "1"}, 422),
    ("custodian-simulator", "POST", "/api/v1/positions", {"account_id": "a", "symbol": "BTC/USD", "quantity": "1e400"}, 422),
    ("custodian-simulator", "POST", "/api/v1/positions", {"account_id": "a", "symbol": "BTC/USD", "quantity": "NaN"}, 422),
    ("market-data-simulator", "POST", "/api/v1/snapshots", {"symbol": "XXX/USD"}, 404),
    ("market-data-simulator", "POST", "/api/v1/snapshots", [], 422),
    ("market-data-simulator", "GET", "/api/v1/prices/XXX/USD", None, 404),
    ("audit-correlator", "POST", "/api/v1/events", {"service_name": "s", "event_type": "t", "status": "DONE"}, 422),
    ("audit-correlator", "POST", "/api/v1/events", {"service_name": "s", "event_type": "t", "metadata": [1]}, 422),
    ("audit-correlator", "PUT", "/api/v1/events", {"service_name": "s"}, 405),
]
NUL = "\u0000"
# Strings PostgreSQL and Redis cannot store (issue 14: these crashed four endpoints with a 500).
UNSTORABLE = [
    # (service, path, body; ACCOUNT stands for an account the test opens)
    ("exchange-simulator", "/api/v1/orders", {"account_id": "ACCOUNT", "symbol": "BTC/USD", "side": "BUY",
                                              "type": "MARKET", "quantity": "1", "client_order_id": f"c{NUL}"}),
    ("exchange-simulator", "/api/v1/orders", {"account_id": "ACCOUNT", "symbol": "BTC/USD", "side": "BUY",
                                              "type": "LIMIT", "quantity": 1, "price": "1", "client_order_id": "c\ud800"}),
    ("exchange-simulator", "/api/v1/accounts", {"user_id": f"u{NUL}", "account_type": "SPOT"}),
    ("exchange-simulator", "/api/v1/accounts", {"user_id": NUL, "account_type": "MARGIN"}),
    ("audit-correlator", "/api/v1/events", {"service_name": f"s{NUL}", "event_type": "t"}),
    ("audit-correlator", "/api/v1/events", {"service_name": "s", "event_type": "t", "metadata": {"k": f"v{NUL}"}}),
    ("audit-correlator", "/api/v1/events", {"service_name": "s", "event_type": "t", "metadata": {f"k{NUL}": 1}}),
    ("audit-correlator", "/api/v1/events", {"service_name": "s", "event_type": "t", "metadata": {"k": ["\udfff"]}}),
    ("custodian-simulator", "/api/v1/positions", {"account_id": f"a{NUL}", "symbol": "BTC/USD", "quantity": "1"}),
    ("custodian-simulator", "/api/v1/positions", {"account_id": "a", "symbol": "BTC/USD", "quantity": "1", "currency": NUL}),
    ("custodian-simulator", "/api/v1/settlements", {"settlement_type": "DEPOSIT", "account_id": f"a{NUL}",
                                                    "symbol": "BTC", "quantity": "1"}),
    ("market-data-simulator", "/api/v1/snapshots", {"symbol": f"BTC/USD{NUL}"}),
]
TABLES = {"exchange-simulator": "exchange.accounts", "custodian-simulator": "custodian.positions",
          "market-data-simulator": "market_data.market_snapshots", "audit-correlator": "audit.audit_events"}
# rows a request could have written (market data also snapshots periodically, by itself)
REQUESTED = {"market_data.market_snapshots": " WHERE metadata IS NULL OR metadata->>'source' IS DISTINCT FROM 'periodic'"}


@pytest.fixture(scope="module")
def simulators_stack():
    stack = EmbeddedStack.up(StackDefinition.load(), only=list(TABLES))
    yield stack
    stack.close()


def _rows(stack: EmbeddedStack) -> dict[str, int]:
    with psycopg.connect(stack.postgres_dsn(), connect_timeout=3) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}" + REQUESTED.get(t, "")).fetchone()[0]
                for t in (*TABLES.values(), "exchange.orders", "custodian.settlements")}


@pytest.mark.slow
def test_bad_requests_get_a_json_4xx_and_write_nothing(simulators_stack):
    before = _rows(simulators_stack)
    for service, method, path, body, status in BAD_REQUESTS:
        content = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        reply = httpx.request(method, simulators_stack.http_url(service) + path, content=content,
                              headers={"Content-Type": "application/json"}, timeout=5)
        assert reply.status_code == status, (service, method, path, body, reply.status_code, reply.text)
        assert reply.json()["error"] and reply.json()["message"], reply.text
    assert _rows(simulators_stack) == before, "a refused request wrote rows"


@pytest.mark.slow
def test_a_channel_whose_call_failed_is_not_kept_for_the_next_call():
    """A gRPC channel that failed backs off its reconnects (seconds, growing) and refuses calls meanwhile, even
    once the peer is back: the caller opens a new one (CI: an order refused 503 after a chaos reset)."""
    closed = free_port()  # nothing listens there
    entry = {"instances": [{"instance": "peer-1", "host": "127.0.0.1", "ports": {"grpc": closed}, "status": "healthy"}]}

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - stdlib signature
            body = json.dumps(entry).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with serving(Registry) as url:
        peers = Peers(url, failures=10, cooldown=1.0, timeout=2.0)
        try:
            for _ in range(2):
                with pytest.raises(PeerUnavailable, match="UNAVAILABLE"):
                    peers.call("peer", health_pb2_grpc.HealthStub, "Check", health_pb2.HealthCheckRequest())
            assert peers.describe()["channels_opened"] == 2, "the failed channel was kept for the next call"
        finally:
            peers.close()


@pytest.mark.slow
def test_unstorable_strings_get_a_json_4xx_and_write_nothing(simulators_stack):
    """NUL and lone surrogates in any string field (or a metadata key) are refused with 4xx, never 500."""
    opened = httpx.post(simulators_stack.http_url("exchange-simulator") + "/api/v1/accounts",
                        json={"user_id": f"nul-{os.getpid()}", "account_type": "FUTURES"}, timeout=5)
    assert opened.status_code == 201, opened.text
    before = _rows(simulators_stack)
    for service, path, body in UNSTORABLE:
        content = json.dumps(body).replace("ACCOUNT", opened.json()["account_id"]).encode()
        reply = httpx.post(simulators_stack.http_url(service) + path, content=content,
                           headers={"Content-Type": "application/json"}, timeout=5)
        assert reply.status_code == 422, (service, path, body, reply.status_code, reply.text)
        assert reply.json()["error"] == "invalid_value" and reply.json()["message"], reply.text
    for service in TABLES:  # in a path segment or a query value too
        reply = httpx.get(simulators_stack.http_url(service) + "/api/v1/config/a%00b?x=1", timeout=5)
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_character", (service, reply.text)
    assert _rows(simulators_stack) == before, "a refused request wrote rows"


@pytest.mark.slow
def test_after_a_postgres_restart_the_adapter_gets_a_connection_at_once():
    """A restart leaves every pooled connection broken. psycopg_pool's own check sleeps 1 s, then 2 s, after each
    broken one, so with two or more the first request waited out its 2 s timeout and answered 503. And while
    PostgreSQL is down, a caller waited out the whole timeout too, though the pool's connection attempt had failed."""
    stack = EmbeddedStack.up(StackDefinition.load(), only=["postgres"])
    db = Database(stack.postgres_dsn(), "public", "adapter-restart-test")
    db.open()
    try:
        held = [db.pool.getconn(timeout=5) for _ in range(4)]  # four connections in the pool
        for conn in held:
            db.pool.putconn(conn)
        assert db.pool.get_stats()["pool_available"] == 4, db.pool.get_stats()
        stack.stop("postgres")
        stack.start("postgres")
        assert db.check() == (True, "ok")
        stack.stop("postgres")  # down: the caller stops waiting once the pool has failed to connect, not at 2 s
        assert db.check() == (False, "PostgreSQL refused a new connection (this service's log says why)")
    finally:
        db.close()
        stack.close()
