"""Price updates per second that MarketData.StreamPrices delivers to one subscriber, against a bare server.

    python bench/stream_throughput.py [--seconds S] [--runs N] [--counts 1,2,5] [--full-stack]

One client subscribes with interval_ms=0.1 (no pause between rounds: the stream runs as fast as the
server produces) and counts messages for a fixed duration. Each run measures every symbol count on
the simulator, then all symbols on the baseline (bench/bare_server.py: a bare grpc.server yielding
constant prices); the table prints the median over runs. CPU columns: seconds of CPU per wall second
spent by the server process and by this client, from /proc (1.00 = one core busy).
The stack holds market-data-simulator and what it depends on, or every compose service with --full-stack.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bare_server  # noqa: E402
import grpc  # noqa: E402
from procfs import cpu_seconds  # noqa: E402

from simulators.market_data.app import DEFAULT_SYMBOLS  # noqa: E402
from simulators.proto import load  # noqa: E402
from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402

pb, pb_grpc = load("market_data")
SERVICE = "market-data-simulator"
TARGET_PER_SECOND = 5000
INTERVAL_MS = 0.1
CHECK_EVERY = 512  # messages between clock reads


def measure(channel: grpc.Channel, symbols: list[str], seconds: float, server_pid: int) -> dict[str, float]:
    """Messages per second over `seconds`, and the CPU the server and this client used meanwhile."""
    stub = pb_grpc.MarketDataStub(channel)
    request = pb.StreamPricesRequest(symbols=symbols, interval_ms=INTERVAL_MS)
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    began = time.monotonic()
    deadline, count = began + seconds, 0
    call = stub.StreamPrices(request, timeout=seconds + 10)
    try:
        for message in call:
            count += 1
            if count % CHECK_EVERY == 0:
                if message.sequence != count:
                    sys.exit(f"StreamPrices: message {count} carries sequence {message.sequence}")
                if time.monotonic() >= deadline:
                    break
        else:
            sys.exit(f"StreamPrices ended after {count} messages, before the {seconds:g} s deadline")
    finally:
        call.cancel()
    elapsed = time.monotonic() - began
    return {"rate": count / elapsed, "server": (cpu_seconds(server_pid) - server_cpu) / elapsed,
            "client": (time.process_time() - client_cpu) / elapsed, "count": count}


def row(label: str, results: list[dict[str, float]], base: float | None = None) -> str:
    rate = statistics.median(r["rate"] for r in results)
    rates = sorted(r["rate"] for r in results)
    ratio = f"{rate / base:5.2f}x" if base else "     "
    return (f"{label:<40}{rate:9.0f}{rates[0]:9.0f}{rates[-1]:9.0f}  {ratio}"
            f"{statistics.median(r['server'] for r in results):8.2f}{statistics.median(r['client'] for r in results):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of one measurement")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counts", default="1,2,5", help="symbol counts to measure (at most 5)")
    parser.add_argument("--full-stack", action="store_true", help="start every compose service")
    args = parser.parse_args()
    all_symbols = DEFAULT_SYMBOLS.split(",")
    counts = sorted({int(c) for c in args.counts.split(",")} | {len(all_symbols)})
    definition = StackDefinition.load()
    stack = EmbeddedStack.up(definition, only=list(definition.services) if args.full_stack else [SERVICE])
    results: dict[str, list[dict[str, float]]] = {}
    try:
        with bare_server.running() as (_, bare_target, bare_pid), \
                grpc.insecure_channel(stack.grpc_target(SERVICE)) as sim_channel, \
                grpc.insecure_channel(bare_target) as bare_channel:
            sim_pid = stack.pids()[SERVICE]
            measure(sim_channel, all_symbols, 0.5, sim_pid)  # warm-up: connection, threads, caches
            measure(bare_channel, all_symbols, 0.5, bare_pid)
            for _ in range(args.runs):
                for count in counts:
                    results.setdefault(f"sim {count}", []).append(
                        measure(sim_channel, all_symbols[:count], args.seconds, sim_pid))
                results.setdefault("bare", []).append(measure(bare_channel, all_symbols, args.seconds, bare_pid))
    finally:
        stack.close()
    base = statistics.median(r["rate"] for r in results["bare"])
    print(f"stack: {', '.join(stack.services)}, cores: {os.cpu_count()}, runs: {args.runs} x {args.seconds:g} s, "
          f"interval_ms={INTERVAL_MS}, one subscriber, target >= {TARGET_PER_SECOND}/s")
    print(f"{'price updates per second':<40}{'median':>9}{'min':>9}{'max':>9}  vs base{'srv cpu':>8}{'cli cpu':>8}")
    print(row(f"baseline  bare server, {len(all_symbols)} symbols", results["bare"]))
    for count in counts:
        print(row(f"simulator {count} symbol{'s' if count > 1 else ''}", results[f"sim {count}"], base))


if __name__ == "__main__":
    main()
