"""Sentences about the market-data feed, its REST and audit APIs, its persistence and its scenarios."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, then, when

from simulators.risk_monitor.prices import PriceSubscriber
from steps.probes import market_data_checks as checks
from steps.probes.market_data_client import SERVICE, MarketDataClient
from steps.probes.postgres_probe import monitor_probe
from steps.probes.service_probe import ServiceProbe
from trading_harness.evidence import Evidence
from trading_harness.polling import holds_for, wait_until
from trading_harness.targets.stack import Stack

SPREAD_BPS = Decimal("10")  # the compose file's SPREAD_BPS


@pytest.fixture
def market_data(stack: Stack, evidence: Evidence):
    """The market-data client; whatever a scenario changed (pause, interval, prices) is undone afterwards."""
    client = MarketDataClient(stack, evidence)
    yield client
    client.restore()


@pytest.fixture
def price_subscribers():
    """The PriceSubscribers a scenario started; stopped after it."""
    started: list[PriceSubscriber] = []
    yield started
    for subscriber in started:
        subscriber.stop()


def subscribe(stack: Stack, evidence: Evidence, price_subscribers: list, symbols: list[str]) -> PriceSubscriber:
    """Subscribed: the stream's current quote and then a live update have arrived for every symbol."""
    subscriber = PriceSubscriber(stack.grpc_target(SERVICE), symbols, call_timeout=5.0).start()
    price_subscribers.append(subscriber)
    arrived = subscriber.wait_for(lambda got: set(symbols) <= {u.symbol for u in checks.live(got)}, timeout=10)
    evidence.record("grpc", f"PriceSubscriber StreamPrices {symbols} interval_ms=0",
                    f"first updates {'arrived' if arrived else 'missing'}: {subscriber.updates[:2 * len(symbols)]}")
    assert arrived, f"no live update for every one of {symbols} within 10 s (errors: {subscriber.errors})"
    return subscriber


def _interval(stack: Stack) -> float:
    return stack.timing.price_update_interval


# Added to a bound of a few price intervals: compressed time (50 ms intervals on the embedded stack) does not
# compress a shared machine's scheduling, which stalls a process for 100-200 ms under load (CI, -n 2).
SCHEDULING_ALLOWANCE = 0.5


def _published_in(window: dict, updates: list) -> list:
    """The updates published since the When's window began (a stream's first updates may be late while it warms up)."""
    return [u for u in updates if u.published_ns >= window["since_ns"]]


# -- subscription -----------------------------------------------------------------------------
@given(parsers.parse("the risk monitor subscribes to the prices of {symbols}"), target_fixture="monitor")
def monitor_subscribes(stack: Stack, evidence: Evidence, price_subscribers: list, symbols: str):
    return subscribe(stack, evidence, price_subscribers, checks.symbols_in(symbols))


@given(parsers.parse("{count:d} risk monitors subscribe to the prices of {symbols}"), target_fixture="monitors")
def monitors_subscribe(stack: Stack, evidence: Evidence, price_subscribers: list, count: int, symbols: str):
    return [subscribe(stack, evidence, price_subscribers, checks.symbols_in(symbols)) for _ in range(count)]


@given(parsers.parse("the risk monitor has received {count:d} updates"))
@when(parsers.parse("the risk monitor has received {count:d} updates"))
def monitor_received(monitor: PriceSubscriber, stack: Stack, count: int):
    timeout = stack.timing.slack + count * _interval(stack) * 2
    assert monitor.wait_for(count, timeout), f"{len(monitor.updates)} of {count} updates within {timeout:.0f} s"


@when(parsers.parse("the feed has published {count:d} price intervals"), target_fixture="published_window")
def feed_published(market_data: MarketDataClient, stack: Stack, count: int):
    """Wait until BTC/USD's feed_sequence (production REST) advanced by `count`."""
    def sequence() -> int:
        return market_data.price("BTC/USD").json()["feed_sequence"]
    since_ns, start, began = time.time_ns(), sequence(), time.monotonic()
    wait_until(lambda: sequence() >= start + count, stack.timing.slack + count * _interval(stack) * 3,
               message=f"BTC/USD feed_sequence to pass {start + count}")
    return {"from": start, "since_ns": since_ns, "seconds": time.monotonic() - began}


@then(parsers.parse("the risk monitor received every {first} and {second} update within {n:d} price intervals "
                    "of its publication"))
def within_intervals(monitor: PriceSubscriber, market_data: MarketDataClient, stack: Stack, evidence: Evidence,
                     published_window: dict, first: str, second: str, n: int):
    bound = (n * _interval(stack) + SCHEDULING_ALLOWANCE) * 1000
    symbols = {first, second}
    # The feed's current update of each symbol (its own sequence, no clock) must reach the monitor within the
    # bound; a stream is in order, so every update published in the window has then arrived too.
    current = {symbol: market_data.price(symbol).json()["feed_sequence"] for symbol in sorted(symbols)}

    def newest(got: list, symbol: str) -> int:
        return max((u.feed_sequence for u in got if u.symbol == symbol), default=0)
    caught_up = monitor.wait_for(lambda got: all(newest(got, s) >= seq for s, seq in current.items()),
                                 timeout=bound / 1000)
    updates = [u for u in _published_in(published_window, checks.live(monitor.updates)) if u.symbol in symbols]
    late = [f"{u.symbol} #{u.feed_sequence}: {u.latency_ms:.1f} ms" for u in updates if u.latency_ms > bound]
    evidence.record("check", f"{len(updates)} live updates, bound {bound:.0f} ms",
                    f"max {max((u.latency_ms for u in updates), default=0):.1f} ms")
    behind = {s: f"#{seq} published, #{newest(monitor.updates, s)} received" for s, seq in current.items()}
    assert caught_up, f"the risk monitor did not receive the feed's current updates within {bound:.0f} ms: {behind}"
    assert {u.symbol for u in updates} == symbols, {u.symbol for u in updates}
    assert not late, late[:10]


@then(parsers.parse("no symbol went without an update for more than {n:d} price intervals"))
def no_silence(monitor: PriceSubscriber, stack: Stack, published_window: dict, n: int):
    bound = (n * _interval(stack) + SCHEDULING_ALLOWANCE) * 1e9
    for symbol, items in checks.by_symbol(_published_in(published_window, monitor.updates)).items():
        gaps = [(b.received_ns - a.received_ns) / 1e6 for a, b in zip(items, items[1:], strict=False)]
        assert max(gaps) <= bound / 1e6, f"{symbol}: {max(gaps):.1f} ms without an update (bound {bound / 1e6:.0f})"


# -- REST -------------------------------------------------------------------------------------
@when(parsers.parse("a client asks market data for the current price of {symbol}"), target_fixture="price_reply")
def asks_price(market_data: MarketDataClient, symbol: str):
    return market_data.price(symbol)


@then(parsers.parse("the reply is a quote for {symbol} with a feed sequence and the bid below the price below the ask"))
def is_quote(price_reply, symbol: str):
    assert price_reply.status_code == 200, price_reply.text
    body = price_reply.json()
    assert body["symbol"] == symbol and body["feed_sequence"] >= 1 and body["timestamp"].endswith("Z"), body
    assert 0 < Decimal(body["bid"]) < Decimal(body["price"]) < Decimal(body["ask"]), body


@then(parsers.parse("the list of all prices holds {symbols}"))
def all_prices(market_data: MarketDataClient, symbols: str):
    reply = market_data.api("GET", "/api/v1/prices")
    assert reply.status_code == 200, reply.text
    assert sorted(p["symbol"] for p in reply.json()["prices"]) == sorted(checks.symbols_in(symbols)), reply.text


@then("the reply is a JSON 404 naming the unknown symbol")
def json_404(price_reply):
    assert price_reply.status_code == 404, price_reply.text
    body = price_reply.json()
    assert body["error"] == "unknown_symbol" and "XXX/USD" in body["message"], body


@then(parsers.parse("GetPrice for {symbol} over gRPC answers {code}"))
def grpc_code(market_data: MarketDataClient, symbol: str, code: str):
    assert market_data.get_price_code(symbol) == code


# -- spread, volatility, history, metrics -------------------------------------------------------
@then(parsers.parse("every update has its ask minus its bid equal to {bps:d} basis points of its price"))
def fixed_spread(monitor: PriceSubscriber, bps: int):
    assert bps == SPREAD_BPS
    problems = checks.spread_problems(monitor.updates, Decimal(bps))
    assert not problems, f"{len(problems)} of {len(monitor.updates)} updates: {problems[:5]}"


@then(parsers.parse("no price moved by more than {bound:d} sigma of {sigma:f} from one update to the next"))
def volatility(monitor: PriceSubscriber, bound: int, sigma: float):
    problems = [p for p in checks.volatility_problems(checks.live(monitor.updates), sigma, bound) if "never" not in p]
    assert not problems, problems[:5]


@then("the prices of both symbols moved")
def prices_moved(monitor: PriceSubscriber):
    problems = [p for p in checks.volatility_problems(checks.live(monitor.updates), 1.0) if "never" in p]
    assert not problems, problems


@then(parsers.parse("the Redis history of {symbol} holds at least the latest {count:d} published prices, "
                    "newest first, without gaps"))
def redis_history(market_data: MarketDataClient, symbol: str, count: int):
    current = market_data.price(symbol).json()["feed_sequence"]
    wait_until(lambda: (market_data.redis_history(symbol, 1) or [{}])[0].get("feed_sequence", 0) >= current, 5,
               message=f"the Redis history of {symbol} to reach feed_sequence {current}")
    entries = market_data.redis_history(symbol, count)
    sequences = [e["feed_sequence"] for e in entries]
    assert len(entries) == count, f"{len(entries)} entries, want {count}: {sequences}"
    assert sequences == list(range(sequences[0], sequences[0] - count, -1)), sequences


@then(parsers.parse("the history endpoint of {symbol} returns the same prices as Redis"))
def history_endpoint(market_data: MarketDataClient, symbol: str):
    rest = market_data.history(symbol, 20)
    stored = {e["feed_sequence"]: e for e in reversed(market_data.redis_history(symbol, 100))}
    assert len(rest) == 20, rest
    assert [e["feed_sequence"] for e in rest] == sorted((e["feed_sequence"] for e in rest), reverse=True), rest
    assert all(stored.get(e["feed_sequence"]) == e for e in rest), (rest[:3], list(stored.values())[-3:])


@then(parsers.parse("market_data_stream_subscribers on /metrics equals the subscriber count of the audit state "
                    "and is at least {least:d}"))
def subscribers_gauge(service_probe: ServiceProbe, market_data: MarketDataClient, least: int):
    def agree():
        gauge = service_probe.counter(SERVICE, "market_data_stream_subscribers")
        return gauge >= least and gauge == market_data.state()["subscribers"]
    wait_until(agree, 3, message="the subscriber gauge to equal the audit state's subscribers")


@then("market_data_price_updates_total grew by the number of prices the feed published meanwhile")
def updates_counter(service_probe: ServiceProbe, market_data: MarketDataClient, stack: Stack):
    """The feed keeps ticking while /metrics is read, so each counter read is bracketed by two reads of
    the published count: the counter's growth must lie between the bracket's inner and outer spans."""
    symbols = len(market_data.state()["symbols"])

    def bracketed() -> tuple[int, float, int]:
        before = market_data.state()["published"]
        counter = service_probe.counter(SERVICE, "market_data_price_updates_total")
        return before, counter, market_data.state()["published"]

    first = bracketed()
    wait_until(lambda: market_data.state()["published"] >= first[2] + 10 * symbols, stack.timing.slack + 30 * _interval(stack),
               message="10 more ticks")
    last = bracketed()
    grew, least, most = last[1] - first[1], last[0] - first[2], last[2] - first[0]
    assert grew >= 10 * symbols and least - 2 * symbols <= grew <= most + 2 * symbols, \
        f"counter +{grew}, published meanwhile between +{least} and +{most}"


# -- audit/control API ---------------------------------------------------------------------------
@given("the audit API pauses the feed")
@when("the audit API pauses the feed")
def pauses(market_data: MarketDataClient):
    reply = market_data.pause(True)
    assert reply.status_code == 200 and reply.json() == {"paused": True}, reply.text


@when("the audit API resumes the feed")
def resumes(market_data: MarketDataClient):
    reply = market_data.pause(False)
    assert reply.status_code == 200 and reply.json() == {"paused": False}, reply.text


@when(parsers.parse("the audit API sets the price of {symbol} to {price}"), target_fixture="before")
def sets_price(market_data: MarketDataClient, symbol: str, price: str):
    before = market_data.price(symbol).json()
    reply = market_data.set_price(symbol, price)
    assert reply.status_code == 200, reply.text
    return before


@when(parsers.parse("the audit API applies a shock of {percent} percent to {symbol}"), target_fixture="before")
def applies_shock(market_data: MarketDataClient, percent: str, symbol: str):
    before = market_data.price(symbol).json()
    reply = market_data.shock(symbol, percent)
    assert reply.status_code == 200, reply.text
    return before


@then(parsers.parse("the REST price of {symbol} is {price} with the next feed sequence"))
def rest_price_is(market_data: MarketDataClient, before: dict, symbol: str, price: str):
    body = market_data.price(symbol).json()
    assert Decimal(body["price"]) == Decimal(price), body
    assert body["feed_sequence"] == before["feed_sequence"] + 1, (before, body)
    assert Decimal(body["bid"]) < Decimal(price) < Decimal(body["ask"]), body


@then(parsers.parse("the audit state reports {symbol} at {price}"))
def state_reports(market_data: MarketDataClient, symbol: str, price: str):
    assert Decimal(market_data.state()["symbols"][symbol]["price"]) == Decimal(price)


@then("the audit state reports the feed paused")
def state_paused(market_data: MarketDataClient):
    assert market_data.state()["paused"] is True


@then(parsers.parse("the feed sequence of {symbol} does not advance for {count:d} price intervals"))
def does_not_advance(market_data: MarketDataClient, stack: Stack, symbol: str, count: int):
    start = market_data.price(symbol).json()["feed_sequence"]
    holds_for(lambda: market_data.price(symbol).json()["feed_sequence"] == start, count * _interval(stack),
              interval=_interval(stack) / 2, message=f"{symbol} feed_sequence stays {start}")


@then(parsers.parse("the feed sequence of {symbol} advances within {count:d} price intervals"))
def advances(market_data: MarketDataClient, stack: Stack, symbol: str, count: int):
    start = market_data.price(symbol).json()["feed_sequence"]
    wait_until(lambda: market_data.price(symbol).json()["feed_sequence"] > start, count * _interval(stack) + SCHEDULING_ALLOWANCE,
               message=f"{symbol} feed_sequence to pass {start}")


@when(parsers.parse("the audit API receives {method} {path} with {body}"), target_fixture="audit_reply")
def audit_receives(market_data: MarketDataClient, method: str, path: str, body: str):
    market_data.remember_state()
    return market_data.audit(method, path, json.loads(body))


@then(parsers.parse("the audit API answers {status:d} with a JSON error"))
def audit_error(audit_reply, status: int):
    assert audit_reply.status_code == status, audit_reply.text
    body = audit_reply.json()
    assert set(body) == {"error", "message"} and body["message"], body


@then("the audit state is unchanged")
def state_unchanged(market_data: MarketDataClient):
    before, after = market_data.state_before, market_data.state()
    for key in ("paused", "interval_seconds", "published", "symbols"):
        assert after[key] == before[key], f"{key}: {before[key]} -> {after[key]}"


@when(parsers.parse("a client sends {method} {path} to the production port of market data"),
      target_fixture="production_reply")
def production_audit(market_data: MarketDataClient, method: str, path: str):
    body = {"price": "1"} if "/prices/" in path else {"seconds": "7"} if path.endswith("interval") else None
    market_data.remember_state()
    return market_data.audit(method, path, body, on_production=True)


@then("the production port answers 404 and the audit state is unchanged")
def production_404(market_data: MarketDataClient, production_reply, stack: Stack):
    assert production_reply.status_code == 404, production_reply.text
    assert production_reply.json()["error"] == "not_found", production_reply.text
    state = market_data.state()
    assert state["paused"] is False and state["interval_seconds"] == _interval(stack), state
    assert Decimal(state["symbols"]["BTC/USD"]["price"]) != 1, state


# -- persistence ---------------------------------------------------------------------------------
TIME_COLUMN = {"price_feeds": "timestamp", "candles": "end_time", "market_snapshots": "timestamp", "symbols": None}


@given("market data snapshots the market every candle interval")
def snapshots_every_candle(market_data: MarketDataClient, stack: Stack):
    reply = market_data.set_snapshot_interval(stack.timing.candle_interval)
    assert reply.status_code == 200, reply.text


@when(parsers.parse("the feed has run for {count:d} candle intervals"), target_fixture="run_window")
def feed_ran(stack: Stack, count: int):
    """The moment the window starts; the Then steps wait (with a deadline) for the rows it must produce."""
    return {"since": datetime.now(UTC), "timeout": count * stack.timing.candle_interval + stack.timing.slack}


@then(parsers.parse("the monitor user finds recent rows in market_data.{table} for {symbols}"))
@then(parsers.parse("monitor_user finds recent rows in market_data.{table} for {symbols}"))
def recent_rows(stack: Stack, evidence: Evidence, run_window: dict, table: str, symbols: str):
    wanted = sorted(checks.symbols_in(symbols))
    column = TIME_COLUMN[table]
    where = f"WHERE {column} >= %s" if column else "WHERE is_active"
    params = (run_window["since"],) if column else None
    probe = monitor_probe(stack, evidence)
    try:
        def found():
            outcome = probe.run(f"SELECT DISTINCT symbol FROM market_data.{table} {where} ORDER BY symbol", params)
            return outcome.ok and sorted(r[0] for r in outcome.reply) == wanted
        wait_until(found, run_window["timeout"], interval=0.2, message=f"rows for {wanted} in market_data.{table}")
    finally:
        probe.close()


def _no_rows(stack: Stack, evidence: Evidence, sql: str, what: str, params: tuple | None = None) -> None:
    probe = monitor_probe(stack, evidence)
    try:
        outcome = probe.run(sql, params)
    finally:
        probe.close()
    assert outcome.ok, outcome
    assert not outcome.reply, f"{len(outcome.reply)} {what}: {outcome.reply[:3]}"


@then("every candle in market_data.candles has low <= open, close <= high, positive prices and end_time after start_time")
def ohlc_rules(stack: Stack, evidence: Evidence, run_window: dict):
    probe = monitor_probe(stack, evidence)
    try:
        wait_until(lambda: probe.run("SELECT count(*) FROM market_data.candles WHERE end_time >= %s",
                                     (run_window["since"],)).reply[0][0] >= 5, run_window["timeout"], interval=0.2,
                   message="candles closed since the window started")
    finally:
        probe.close()
    _no_rows(stack, evidence, "SELECT candle_id, symbol, open, high, low, close FROM market_data.candles WHERE NOT ("
             "low <= open AND low <= close AND high >= open AND high >= close AND low > 0 AND end_time > start_time)",
             "candles break the OHLC rules")


@then("every candle is labelled with a schema interval")
def candle_labels(stack: Stack, evidence: Evidence):
    _no_rows(stack, evidence, "SELECT candle_id, interval FROM market_data.candles "
             "WHERE interval NOT IN ('1m', '5m', '15m', '1h', '4h', '1d')", "candles with another label")


@then("every row the feed wrote to market_data.price_feeds meanwhile has a positive price between its bid and its ask")
def price_rows(stack: Stack, evidence: Evidence, run_window: dict):
    # only this window's rows: a chaos scenario before it on the same stack published crossed quotes on purpose
    _no_rows(stack, evidence, f"SELECT feed_id, symbol, bid, price, ask FROM market_data.price_feeds "
             f"WHERE {TIME_COLUMN['price_feeds']} >= %s AND NOT (price > 0 AND bid > 0 AND bid <= price AND price <= ask)",
             "price rows out of order", (run_window["since"],))


# -- scenario simulation -----------------------------------------------------------------------------
@when(parsers.parse("a client streams a {kind} scenario for {symbol} with intensity {intensity} over {duration:d} ms"),
      target_fixture="scenario_run")
def streams_scenario(market_data: MarketDataClient, kind: str, symbol: str, intensity: str, duration: int):
    return market_data.scenario(symbol, kind, float(intensity), duration)


@then("the scenario stream ends normally with progress from 0 to 1")
def scenario_complete(scenario_run):
    updates, code = scenario_run
    assert code == "OK", code
    progress = [u.progress for u in updates]
    assert progress[0] == 0 and progress[-1] == 1 and progress == sorted(progress), progress


@then(parsers.parse("the path has the {kind} shape for intensity {intensity:f}"))
def scenario_shape(scenario_run, kind: str, intensity: float):
    updates, _ = scenario_run
    assert all(u.price.symbol and Decimal(u.price.bid) <= Decimal(u.price.price) <= Decimal(u.price.ask)
               for u in updates), updates[:2]
    problems = checks.scenario_problems(kind, updates, intensity)
    assert not problems, problems


@then(parsers.parse("the scenario stream is refused with {code}"))
def scenario_refused(scenario_run, code: str):
    updates, got = scenario_run
    assert got == code, f"{got} after {len(updates)} updates"
