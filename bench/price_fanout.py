"""Price fan-out: updates per second delivered to 1 and to 10 StreamPrices subscribers, and publish-to-receive latency.

    python bench/price_fanout.py [--seconds S] [--fast-interval SECONDS] [--subscribers 1,10]

Against an embedded stack holding market-data-simulator and its dependencies. The audit/control API
sets the tick interval (restored at the end). Subscribers are the risk monitor's PriceSubscriber
(simulators/risk_monitor/prices.py, StreamPrices with interval_ms=0: every published update), one
thread each in this process, on all 5 symbols.

- Fan-out: at --fast-interval (default 0.01 s: 500 updates/s published), for each subscriber count,
  the updates per second each subscriber received and in total. Baseline, same run: the feed's own
  publish rate (audit state "published"); "of published" is delivered / (published x subscribers).
- Latency: received_ns - Price.timestamp_ns (the publish time), p50/p99/max, at 10 updates/s per
  symbol (interval 0.1 s, the TSE-0001.13a condition) and at the fast interval. Baseline, same run:
  a GetPrice round trip to the same server (loopback gRPC, one unary call at a time).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import grpc  # noqa: E402
import httpx  # noqa: E402

from simulators.market_data.app import DEFAULT_SYMBOLS  # noqa: E402
from simulators.proto import load  # noqa: E402
from simulators.risk_monitor.prices import PriceSubscriber  # noqa: E402
from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402

pb, pb_grpc = load("market_data")
SERVICE = "market-data-simulator"
SYMBOLS = DEFAULT_SYMBOLS.split(",")
TIMEOUT = 5.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Audit:
    def __init__(self, url: str):
        self.client = httpx.Client(base_url=url, timeout=TIMEOUT)

    def interval(self, seconds: float) -> None:
        reply = self.client.put("/audit/v1/feed/interval", json={"seconds": repr(seconds)})
        if reply.status_code != 200:
            sys.exit(f"cannot set the interval: {reply.status_code} {reply.text}")

    def published(self) -> int:
        return self.client.get("/audit/v1/state").json()["published"]


def run(target: str, audit: Audit, subscribers: int, interval: float, seconds: float) -> dict:
    """Subscribers on every symbol for `seconds` at `interval`: delivery rates and latencies."""
    audit.interval(interval)
    subs = [PriceSubscriber(target, SYMBOLS).start() for _ in range(subscribers)]
    try:
        for sub in subs:
            if not sub.wait_for(len(SYMBOLS), TIMEOUT):
                sys.exit(f"a subscriber received nothing within {TIMEOUT} s: {sub.errors}")
        began_ns, published = time.time_ns(), audit.published()
        time.sleep(seconds)  # the measurement window itself, not a synchronisation
        ended_ns, published = time.time_ns(), audit.published() - published
    finally:
        for sub in subs:
            sub.stop()
    elapsed = (ended_ns - began_ns) / 1e9
    window = [[u for u in sub.updates if began_ns <= u.received_ns < ended_ns] for sub in subs]
    latencies = [u.latency_ms for updates in window for u in updates]
    delivered = sum(len(updates) for updates in window)
    gaps = sum(len(sub.gaps(s)) for sub in subs for s in SYMBOLS)
    return {"published": published / elapsed, "per_sub": delivered / elapsed / subscribers,
            "total": delivered / elapsed, "share": delivered / max(1, published * subscribers), "gaps": gaps,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "max": max(latencies),
            "count": len(latencies)}


def unary_baseline(target: str, calls: int = 500) -> dict:
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.MarketDataStub(channel)
        request = pb.GetPriceRequest(symbol=SYMBOLS[0])
        for _ in range(50):
            stub.GetPrice(request, timeout=TIMEOUT)
        times = []
        for _ in range(calls):
            began = time.perf_counter_ns()
            stub.GetPrice(request, timeout=TIMEOUT)
            times.append((time.perf_counter_ns() - began) / 1e6)
    return {"p50": percentile(times, 50), "p99": percentile(times, 99), "max": max(times), "count": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of one measurement")
    parser.add_argument("--fast-interval", type=float, default=0.01, help="tick interval for the fan-out rate")
    parser.add_argument("--subscribers", default="1,10", help="subscriber counts to measure")
    args = parser.parse_args()
    counts = sorted({int(c) for c in args.subscribers.split(",")})
    definition = StackDefinition.load()
    stack = EmbeddedStack.up(definition, only=[SERVICE])
    target = stack.grpc_target(SERVICE)
    audit = Audit(stack.audit_url(SERVICE))
    rows = []
    try:
        baseline = unary_baseline(target)
        run(target, audit, 1, 0.1, 1.0)  # warm-up: connections, threads
        for count in counts:
            rows.append(("10 updates/s/symbol (13a)", count, run(target, audit, count, 0.1, args.seconds)))
        for count in counts:
            rows.append((f"fan-out, interval {args.fast_interval:g} s", count,
                         run(target, audit, count, args.fast_interval, args.seconds)))
        audit.interval(definition.time["price_update_interval"])
    finally:
        stack.close()
    print(f"stack: {', '.join(stack.services)}, cores: {os.cpu_count()}, {len(SYMBOLS)} symbols, "
          f"{args.seconds:g} s per measurement, subscribers are threads of one client process")
    print(f"{'':<32}{'subs':>5}{'published/s':>12}{'per sub/s':>10}{'total/s':>9}{'of pub':>8}{'gaps':>6}"
          f"{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for label, count, r in rows:
        print(f"{label:<32}{count:>5}{r['published']:>12.0f}{r['per_sub']:>10.0f}{r['total']:>9.0f}"
              f"{r['share']:>8.1%}{r['gaps']:>6}{r['p50']:>8.2f}{r['p99']:>8.2f}{r['max']:>8.2f}")
    print(f"{'baseline  GetPrice round trip':<32}{1:>5}{'':>12}{'':>10}{'':>9}{'':>8}{'':>6}"
          f"{baseline['p50']:>8.2f}{baseline['p99']:>8.2f}{baseline['max']:>8.2f}")
    print(f"p50 publish-to-receive at 10 updates/s, 1 subscriber, vs the GetPrice round trip: "
          f"{rows[0][2]['p50'] / baseline['p50']:.2f}x")


if __name__ == "__main__":
    main()
