"""The compose target against the embedded one, in one run (figures for the README).

    python bench/compose.py [--runs N] [--cold-base] [--skip-suite]

  images cold   the stack's hash-tagged images removed, then built again (the offline Debian base and
                the wheelhouse kept; --cold-base also rebuilds the base with debootstrap)
  images warm   the same call on an unchanged tree: nothing to build
  up            ComposeStack.up() (`up --wait` until every healthcheck passes, images built) against
                EmbeddedStack.up(), the full stack both; runs interleaved so machine drift hits both alike;
                close() (`down -v` / process teardown) timed too
  idle load     the share of the machine's CPU time busy while each full stack sits idle for 10 s
                (compose: every healthcheck is a `docker exec`, once a second per service)
  docker exec   the CPU time one `docker exec` costs, for three commands a healthcheck could run
  suite         `pytest features/ --milestone TSE-0001.3a` wall time, --target compose against embedded
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from procfs import TICK, busy_ticks  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.docker_engine import preflight  # noqa: E402
from trading_harness.images.base import apt_mirror, base_tag  # noqa: E402
from trading_harness.images.build import ensure_images  # noqa: E402
from trading_harness.targets.compose import ComposeStack  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402


def timed(call) -> tuple[float, object]:
    began = time.monotonic()
    result = call()
    return time.monotonic() - began, result


def images(engine, definition: StackDefinition, cold_base: bool) -> tuple[float, float, dict[str, str]]:
    tags = ensure_images(definition.compose_file, engine, log=lambda _: None)
    for tag in tags.values():
        engine.images.remove(tag, force=True)
        engine.images.remove(tag.rsplit("-", 1)[0], force=True)
    if cold_base:
        engine.images.remove(base_tag(apt_mirror()), force=True)
    engine.images.prune(filters={"dangling": True})
    cold, _ = timed(lambda: ensure_images(definition.compose_file, engine, log=lambda _: None))
    warm, tags = timed(lambda: ensure_images(definition.compose_file, engine, log=lambda _: None))
    return cold, warm, tags


def suite(target: str) -> float:
    began = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider",
                           "--milestone", "TSE-0001.3a", "--target", target, "--reports-dir", "/tmp/bench-compose-reports"],
                          cwd=REPO, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"the TSE-0001.3a suite failed on {target}:\n{proc.stdout[-3000:]}")
    return time.monotonic() - began


def idle_load(up, definition: StackDefinition, window: float = 10.0) -> float:
    stack = up(definition)
    try:
        before = busy_ticks()
        time.sleep(window)  # a measurement window, not a wait for anything
        after = busy_ticks()
    finally:
        stack.close()
    return (after[0] - before[0]) / (after[1] - before[1])


EXEC_COMMANDS = {"true": ["true"],
                 "python urllib": ["python", "-c", "import sys, urllib.request"],
                 "bash /dev/tcp": ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"]}


def exec_cost(engine, image: str, runs: int = 20) -> dict[str, float]:
    """CPU milliseconds (whole machine) per `docker exec` of each command: what one healthcheck costs."""
    container = engine.containers.run(image, ["sleep", "300"], detach=True, remove=True)
    try:
        costs = {}
        for label, command in EXEC_COMMANDS.items():
            before = busy_ticks()[0]
            for _ in range(runs):
                container.exec_run(command)
            costs[label] = (busy_ticks()[0] - before) * 1000 / TICK / runs
        return costs
    finally:
        container.kill()


def line(name: str, values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f}s  min {min(values):6.2f}s  max {max(values):6.2f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-base", action="store_true", help="also rebuild the offline Debian base (about a minute)")
    parser.add_argument("--skip-suite", action="store_true")
    args = parser.parse_args()
    definition = StackDefinition.load(REPO / "stack")
    engine = preflight()

    cold, warm, tags = images(engine, definition, args.cold_base)
    print(f"images   cold {cold:6.2f}s ({'base included' if args.cold_base else 'base and wheelhouse kept'})"
          f"   warm {warm:6.2f}s (unchanged tree)", flush=True)

    ups = {"compose": [], "embedded": []}
    downs = {"compose": [], "embedded": []}
    for _ in range(args.runs):
        for name, up in (("embedded", EmbeddedStack.up), ("compose", ComposeStack.up)):
            seconds, stack = timed(lambda up=up: up(definition))
            ups[name].append(seconds)
            downs[name].append(timed(stack.close)[0])
    for name in ("embedded", "compose"):
        print(f"full stack up  {name:<8} {line(name, ups[name])}   close median {statistics.median(downs[name]):.2f}s",
              flush=True)
    ratio = statistics.median(ups["compose"]) / statistics.median(ups["embedded"])
    print(f"full stack up  compose / embedded: {ratio:.1f}x (goal: compose <= 8 s)", flush=True)

    loads = {name: idle_load(up, definition) for name, up in (("embedded", EmbeddedStack.up), ("compose", ComposeStack.up))}
    print(f"idle load      embedded {loads['embedded']:.0%}   compose {loads['compose']:.0%} of the machine's CPU time",
          flush=True)
    simulators = next(tag for name, tag in tags.items() if "simulators" in name)
    costs = exec_cost(engine, simulators)
    print("docker exec    " + "   ".join(f"{label} {ms:.0f} ms" for label, ms in costs.items())
          + " of CPU each (one healthcheck)", flush=True)

    if not args.skip_suite:
        embedded, compose = suite("embedded"), suite("compose")
        print(f"TSE-0001.3a suite  embedded {embedded:6.2f}s   compose {compose:6.2f}s   "
              f"compose / embedded {compose / embedded:.2f}x (goal <= 2x)", flush=True)


if __name__ == "__main__":
    main()
