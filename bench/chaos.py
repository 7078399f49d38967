"""Chaos scenarios: detection latency and reset time per scenario, against one control-API round trip.

    python bench/chaos.py [--runs 20] [--scenarios market-crash,feed-disruption]

On an embedded stack (the test coordinator and what it depends on), each scenario runs RUNS times:
the coordinator injects it, the risk monitor alerts, the audit correlator reports the detection latency
(first linked alert's raised_ns - the injection's injected_ns, taken before the injecting call), then
POST /api/v1/reset brings every service back to its baseline; the reset time is the coordinator's own
measure (every service's reset, waiting for the feed, and every service's state re-read).
Baseline, in the same run: GET /audit/v1/chaos on market data, one control-API round trip, timed
between runs. Latencies are also given in price ticks (PRICE_UPDATE_INTERVAL of the embedded stack).
Goals (issue 13): detection p99 <= 2 ticks after injection; reset <= 1 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.polling import wait_until  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402

COORDINATOR, MARKET = "test-coordinator", "market-data-simulator"
SCENARIOS = ("market-crash", "stablecoin-depeg", "exchange-downtime", "settlement-failure", "strategy-malfunction",
             "feed-disruption")
TIMEOUT = 10.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def one_run(client: httpx.Client, coordinator: str, name: str) -> tuple[float, float, bool]:
    """(detection latency ms, reset seconds, detected within the scenario's bound)."""
    run = client.post(f"{coordinator}/api/v1/scenarios/{name}/run").raise_for_status().json()
    sid = run["scenario_id"]
    held = wait_until(lambda: (r := client.get(f"{coordinator}/api/v1/runs/{sid}").json())["detection"] and r,
                      60, interval=0.02, message=f"{sid} detected")
    reset = client.post(f"{coordinator}/api/v1/reset").raise_for_status().json()
    if not reset["baseline"]:
        raise SystemExit(f"{sid}: the reset did not bring every service back to its baseline: {reset}")
    detection = held["detection"]
    if detection["detection_latency_ms"] is None:
        raise SystemExit(f"{sid}: not detected: {held}")
    return detection["detection_latency_ms"], reset["seconds"], detection["in_time"]


def round_trip(client: httpx.Client, url: str, count: int = 5) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        client.get(url).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    stack = EmbeddedStack.up(StackDefinition.load(), only=[COORDINATOR])
    tick_ms = stack.timing.price_update_interval * 1000
    try:
        client = httpx.Client(timeout=TIMEOUT)
        coordinator, control = stack.http_url(COORDINATOR), stack.audit_url(MARKET) + "/audit/v1/chaos"
        wait_until(lambda: client.get(stack.http_url("risk-monitor") + "/api/v1/risk/status").json()["account_id"],
                   30, message="the risk monitor watching the strategy's account")
        client.post(f"{coordinator}/api/v1/reset").raise_for_status()
        baseline: list[float] = []
        print(f"embedded stack up in {stack.startup_seconds:.1f}s; price tick {tick_ms:.0f} ms; {args.runs} runs each")
        print(f"{'scenario':<22}{'detect p50':>11}{'p99':>9}{'p99 ticks':>10}{'in bound':>9}"
              f"{'reset p50':>11}{'p99':>9}{'control RTT p50':>17}")
        for name in args.scenarios.split(","):
            latencies, resets, in_time = [], [], 0
            for _ in range(args.runs):
                latency, reset, ok = one_run(client, coordinator, name)
                latencies.append(latency)
                resets.append(reset * 1000)
                in_time += ok
                baseline += round_trip(client, control, 1)
            print(f"{name:<22}{statistics.median(latencies):>9.1f}ms{pct(latencies, 99):>7.1f}ms"
                  f"{pct(latencies, 99) / tick_ms:>10.2f}{in_time:>6}/{args.runs}"
                  f"{statistics.median(resets):>9.1f}ms{pct(resets, 99):>7.1f}ms"
                  f"{statistics.median(baseline):>15.2f}ms")
        print(f"control-API round trip (GET /audit/v1/chaos, {len(baseline)} samples): "
              f"p50 {statistics.median(baseline):.2f} ms, p99 {pct(baseline, 99):.2f} ms")
        print("goals: detection p99 <= 2 ticks after injection; reset <= 1 s")
    finally:
        stack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
