"""Full embedded stack start-up (infrastructure, registry and every simulator) against a same-run baseline.

    python bench/full_stack.py [--runs N]

Each run, interleaved so drift on the machine hits every variant alike:
  baseline  bare redis-server + initdb + postgres until both answer (bench/stack_startup.py)
  infra     EmbeddedStack.up(only=["redis", "postgres", "service-registry"]): Redis, PostgreSQL, the registry
  full      EmbeddedStack.up() of every compose service: up() returns once each answers its HTTP health;
            "all SERVING" goes on until every simulator's gRPC health says SERVING (its data adapter ready)
Then each stack's close() is timed. The harness process's own CPU during up() (its readiness polls) is shown
too. Warm: one full start before the runs caches the PostgreSQL template.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from stack_startup import baseline, warm_template  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.polling import wait_until  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402
from trading_harness.workdirs import temp_base  # noqa: E402

TARGET_SECONDS = 4.0
INFRA = ["redis", "postgres", "service-registry"]


def all_serving(stack: EmbeddedStack, timeout: float) -> None:
    """Return once every simulator's standard gRPC health check answers SERVING."""
    channels = [grpc.insecure_channel(stack.grpc_target(name)) for name in stack.simulators()]
    try:
        checks = [health_pb2_grpc.HealthStub(channel).Check for channel in channels]
        serving = health_pb2.HealthCheckResponse.SERVING
        wait_until(lambda: all(check(health_pb2.HealthCheckRequest(), timeout=1).status == serving
                               for check in checks), timeout, interval=0.01, message="every simulator SERVING")
    finally:
        for channel in channels:
            channel.close()


def start_and_stop(definition: StackDefinition, only: list[str]) -> dict[str, float]:
    """Seconds until up() returns, until every simulator serves (full stack only), and for close()."""
    began, cpu = time.monotonic(), time.process_time()
    stack = EmbeddedStack.up(definition, only=only)
    try:
        times = {"up": time.monotonic() - began, "internal": stack.startup_seconds, "cpu": time.process_time() - cpu}
        if stack.simulators():
            all_serving(stack, stack.timing.ready_timeout)
            times["serving"] = time.monotonic() - began
    finally:
        closing = time.monotonic()
        stack.close()
        closed = time.monotonic() - closing
    return {**times, "close": closed}


def row(label: str, values: list[float], base: float | None = None, note: str = "") -> str:
    ratio = f"{statistics.median(values) / base:5.2f}x" if base else "      "
    return (f"{label:<46}{statistics.median(values):8.3f}{min(values):8.3f}{max(values):8.3f}  {ratio}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    definition = StackDefinition.load()
    everything = list(definition.services)
    warm_template(definition)
    start_and_stop(definition, everything)  # warm: bytecode and page cache hot
    results: dict[str, list[float]] = {}
    for _ in range(runs):
        results.setdefault("baseline", []).append(baseline())
        for variant, only in (("infra", INFRA), ("full", everything)):
            for key, value in start_and_stop(definition, only).items():
                results.setdefault(f"{variant} {key}", []).append(value)
    simulators = [n for n, s in definition.services.items() if s.grpc_port]
    infra = sorted(set(everything) - set(simulators))
    base = statistics.median(results["baseline"])
    print(f"runs: {runs}, cores: {os.cpu_count()}, temp dir base: {temp_base() or tempfile.gettempdir()}")
    print(f"infra = {', '.join(infra)}; full = infra + {len(simulators)} simulators ({', '.join(simulators)})")
    print(f"{'seconds':<46}{'median':>8}{'min':>8}{'max':>8}  vs base")
    print(row("baseline  redis-server + initdb + postgres", results["baseline"]))
    print(row("infra     up() (warm)", results["infra up"], base))
    print(row("full      up() (warm), every HTTP health 200", results["full up"], base,
              f"target <= {TARGET_SECONDS:.0f} s"))
    print(row("full      up() + every gRPC health SERVING", results["full serving"], base))
    print(row("full      stack.startup_seconds (inside up)", results["full internal"], base))
    print(row("full      up(): the harness process's CPU", results["full cpu"], note="readiness polls, all threads"))
    print(row("teardown  infra close()", results["infra close"]))
    print(row("teardown  full close()", results["full close"]))


if __name__ == "__main__":
    main()
