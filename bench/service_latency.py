"""Health round trips to a simulator, HTTP and gRPC, against bare servers measured in the same run.

    python bench/service_latency.py [--requests N] [--service NAME] [--full-stack]

HTTP: GET /api/v1/health over one keep-alive httpx.Client. gRPC: grpc.health.v1.Health/Check over
one channel. Baseline: bench/bare_server.py (stdlib ThreadingHTTPServer, bare grpc.server with Health).
One client, one request at a time; after a warm-up, requests go in blocks alternating between the
simulator and the baseline so drift on the machine hits both alike. The stack holds the simulator and
what it depends on, or every compose service with --full-stack.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bare_server  # noqa: E402
import grpc  # noqa: E402
import httpx  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402

BLOCKS = 10
TIMEOUT = 5.0


def http_probe(client: httpx.Client, url: str) -> Callable[[], None]:
    def call() -> None:
        reply = client.get(url)
        if reply.status_code != 200:
            sys.exit(f"GET {url} answered {reply.status_code}: {reply.text[:200]}")
    return call


def grpc_probe(channel: grpc.Channel, target: str) -> Callable[[], None]:
    check, request = health_pb2_grpc.HealthStub(channel).Check, health_pb2.HealthCheckRequest()

    def call() -> None:
        status = check(request, timeout=TIMEOUT).status
        if status != health_pb2.HealthCheckResponse.SERVING:
            sys.exit(f"gRPC health of {target} is {health_pb2.HealthCheckResponse.ServingStatus.Name(status)}")
    return call


def timed(call: Callable[[], None], count: int) -> list[float]:
    """Seconds per round trip, `count` calls one after another."""
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def interleaved(probes: dict[str, Callable[[], None]], requests: int, warmup: int) -> dict[str, list[float]]:
    for probe in probes.values():
        timed(probe, warmup)
    samples: dict[str, list[float]] = {name: [] for name in probes}
    for _ in range(BLOCKS):
        for name, probe in probes.items():
            samples[name] += timed(probe, requests // BLOCKS)
    return samples


def row(label: str, samples: list[float], base: list[float] | None = None) -> str:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    ratio = f"{p50 / (statistics.quantiles(base, n=100, method='inclusive')[49] * 1000):5.2f}x" if base else ""
    return (f"{label:<44}{len(samples):>7}{p50:9.3f}{p99:9.3f}{max(samples) * 1000:9.3f}"
            f"{len(samples) / sum(samples):9.0f}  {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured round trips per target and protocol")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--service", default="market-data-simulator")
    parser.add_argument("--full-stack", action="store_true", help="start every compose service, not just SERVICE")
    args = parser.parse_args()
    definition = StackDefinition.load()
    only = list(definition.services) if args.full_stack else [args.service]
    stack = EmbeddedStack.up(definition, only=only)
    try:
        with bare_server.running() as (bare_url, bare_target, _), \
                httpx.Client(timeout=TIMEOUT) as sim_client, httpx.Client(timeout=TIMEOUT) as bare_client, \
                grpc.insecure_channel(stack.grpc_target(args.service)) as sim_channel, \
                grpc.insecure_channel(bare_target) as bare_channel:
            http = interleaved({"sim": http_probe(sim_client, f"{stack.http_url(args.service)}/api/v1/health"),
                                "bare": http_probe(bare_client, f"{bare_url}/api/v1/health")},
                               args.requests, args.warmup)
            rpc = interleaved({"sim": grpc_probe(sim_channel, stack.grpc_target(args.service)),
                               "bare": grpc_probe(bare_channel, bare_target)}, args.requests, args.warmup)
    finally:
        stack.close()
    print(f"service: {args.service}, stack: {', '.join(stack.services)}, cores: {os.cpu_count()}, "
          f"warm-up {args.warmup}, {BLOCKS} interleaved blocks, one request at a time")
    print(f"{'round trip (ms)':<44}{'n':>7}{'p50':>9}{'p99':>9}{'max':>9}{'req/s':>9}  p50 vs base")
    print(row("baseline  HTTP GET, stdlib http.server", http["bare"]))
    print(row("simulator HTTP GET /api/v1/health", http["sim"], http["bare"]))
    print(row("baseline  gRPC Health/Check, bare server", rpc["bare"]))
    print(row("simulator gRPC Health/Check", rpc["sim"], rpc["bare"]))


if __name__ == "__main__":
    main()
