"""Sentences about the data flow from market data to the risk monitor (TSE-0001.13a)."""
from __future__ import annotations

import time

from pytest_bdd import given, parsers, then, when

from simulators.risk_monitor.prices import PriceSubscriber
from steps.probes import market_data_checks as checks
from steps.probes.market_data_client import SERVICE, MarketDataClient
from trading_harness.evidence import Evidence
from trading_harness.polling import DeadlineExceeded, wait_until
from trading_harness.targets.stack import Stack


@given(parsers.parse("the feed publishes {rate:d} updates per second per symbol"))
def feed_rate(market_data: MarketDataClient, rate: int):
    reply = market_data.set_interval(1 / rate)
    assert reply.status_code == 200, reply.text


def _history_through(market_data: MarketDataClient, symbol: str, newest: int) -> dict[int, dict]:
    """The Redis history by feed sequence, once it holds `newest` (the writer runs a few ms behind the stream)."""
    def read() -> dict[int, dict]:
        return {e["feed_sequence"]: e for e in reversed(market_data.redis_history(symbol))}

    def complete() -> dict[int, dict] | None:
        history = read()
        return history if newest in history else None

    try:
        return wait_until(complete, 2.5, message=f"{symbol} #{newest} in the Redis history")
    except DeadlineExceeded:
        return read()  # what is missing is reported below, update by update


@then("every received update equals the published price with the same feed sequence in the Redis history")
def equals_published(monitor: PriceSubscriber, market_data: MarketDataClient, evidence: Evidence):
    received = monitor.updates
    mismatches, checked = [], 0
    for symbol, items in checks.by_symbol(received).items():
        newest = max(u.feed_sequence for u in items)
        history = _history_through(market_data, symbol, newest)
        for u in items:
            entry = history.get(u.feed_sequence)
            checked += 1
            if entry is None or (entry["price"], entry["bid"], entry["ask"], entry["timestamp_ns"]) != (
                    str(u.price), str(u.bid), str(u.ask), u.published_ns):
                mismatches.append(f"{symbol} #{u.feed_sequence}: received {u.price}/{u.bid}/{u.ask}, published {entry}")
    evidence.record("check", f"{checked} received updates against the Redis history", f"{len(mismatches)} differ")
    assert checked >= 100 and not mismatches, mismatches[:5]


@then("the risk monitor saw no gap in the feed sequence of any symbol")
def no_gaps(monitor: PriceSubscriber):
    gaps = {symbol: monitor.gaps(symbol) for symbol in monitor.symbols}
    assert not any(gaps.values()), gaps


@then(parsers.parse("the 99th percentile of publish-to-receive latency is at most {bound:d} ms"))
def latency(monitor: PriceSubscriber, evidence: Evidence, market_data: MarketDataClient, bound: int):
    values = [u.latency_ms for u in checks.live(monitor.updates)]
    p50, p99 = checks.percentile(values, 50), checks.percentile(values, 99)
    interval = market_data.state()["interval_seconds"]
    figures = (f"publish-to-receive over {len(values)} updates, {len(monitor.symbols)} symbols, interval {interval} s: "
               f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(values):.2f} ms")
    evidence.record("latency", "PriceSubscriber received_ns - Price.timestamp_ns", figures)
    try:
        import allure
        allure.attach(figures, name="publish-to-receive latency", attachment_type=allure.attachment_type.TEXT)
    except Exception:  # noqa: BLE001 - no Allure listener in this run
        pass
    assert len(values) >= 200, len(values)
    assert p99 <= bound, figures


@when("the market-data-simulator restarts", target_fixture="restarted")
def restarts(stack: Stack, monitor: PriceSubscriber, evidence: Evidence):
    stack.restart(SERVICE)
    back = time.time_ns()
    evidence.record("stack", f"restart {SERVICE}", f"answering again; subscriber errors so far {monitor.errors}")
    return back


@then(parsers.parse("the risk monitor receives new updates within {seconds:d} s of market data answering again"))
def resumes(monitor: PriceSubscriber, stack: Stack, restarted: int, seconds: int):
    """Fresh updates: published after market data answered again, on a new connection, for every symbol."""
    def fresh(updates) -> bool:
        return {u.symbol for u in updates if u.published_ns >= restarted and u.connection > 0} == set(monitor.symbols)
    arrived = monitor.wait_for(fresh, timeout=seconds + stack.timing.slack)
    firsts = {}
    for u in monitor.updates:
        if u.published_ns >= restarted and u.connection > 0:
            firsts.setdefault(u.symbol, (u.received_ns - restarted) / 1e9)
    assert arrived, f"no fresh update of every symbol within {seconds + stack.timing.slack:g} s: {firsts}, errors {monitor.errors}"
    assert max(firsts.values()) <= seconds, f"first fresh updates after {firsts} s (bound {seconds} s)"


@then("the risk monitor reconnected by itself")
def reconnected(monitor: PriceSubscriber):
    assert monitor.reconnects >= 1, monitor.errors
