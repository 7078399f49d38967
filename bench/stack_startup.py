"""Embedded stack start-up time against bare redis-server + initdb + postgres, measured in the same run.

    python bench/stack_startup.py [--runs N]

Baseline: redis-server with no config, initdb and postgres with no init SQL, each polled until
it answers (PING, SELECT 1). Embedded: EmbeddedStack.up() (Redis with ACLs, PostgreSQL with the
init SQL applied, the service registry), warm (PostgreSQL template cached) and cold (no cache).
Runs are interleaved so drift on the machine hits every variant alike.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import redis  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.polling import wait_until  # noqa: E402
from trading_harness.servers.ports import free_port  # noqa: E402
from trading_harness.servers.postgres import template_cache  # noqa: E402
from trading_harness.servers.processes import POSTGRES_BIN_DIRS, ManagedProcess, find_binary, run_checked, unprivileged_user  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402
from trading_harness.workdirs import temp_base  # noqa: E402


def baseline() -> float:
    """Seconds until a bare redis-server and a freshly initdb'ed postgres both answer."""
    work = Path(tempfile.mkdtemp(prefix="bench-baseline-", dir=temp_base()))
    work.chmod(0o777)
    user = unprivileged_user()
    redis_port, pg_port = free_port(), free_port()
    servers = [ManagedProcess("redis", [find_binary("redis-server"), "--port", str(redis_port), "--save", "",
                                        "--dir", str(work)], work / "redis.log")]
    began = time.monotonic()
    try:
        servers[0].start()
        run_checked([find_binary("initdb", POSTGRES_BIN_DIRS), "-D", str(work / "data"), "-U", "postgres",
                     "--auth=trust", "--no-sync"], what="initdb", user=user)
        servers.append(ManagedProcess("postgres", [find_binary("postgres", POSTGRES_BIN_DIRS), "-D",
                                                   str(work / "data"), "-c", f"port={pg_port}", "-c",
                                                   "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={work}"],
                                      work / "pg.log", user=user))
        servers[1].start()
        wait_until(lambda: redis.Redis(port=redis_port, socket_timeout=1).ping(), 20, interval=0.01)
        wait_until(lambda: psycopg.connect(f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres").close()
                   or True, 20, interval=0.01)
        return time.monotonic() - began
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def embedded(definition: StackDefinition, cold: bool) -> tuple[float, float]:
    """Seconds to bring the embedded stack up, and to tear it down."""
    cache = tempfile.mkdtemp(prefix="bench-cache-") if cold else None
    if cache:
        os.environ["HARNESS_CACHE_DIR"] = cache
    try:
        began = time.monotonic()
        stack = EmbeddedStack.up(definition, only=["redis", "postgres", "service-registry"])  # infrastructure only
        up = time.monotonic() - began
        began = time.monotonic()
        stack.close()
        return up, time.monotonic() - began
    finally:
        os.environ.pop("HARNESS_CACHE_DIR", None)
        if cache:
            shutil.rmtree(cache, ignore_errors=True)


def warm_template(definition: StackDefinition) -> None:
    """Keep a PostgreSQL up until its template is in the cache: built in the background on a first start (a
    stack closed at once stops that build), touched by a start that copied it."""
    began = time.time() - 1
    stack = EmbeddedStack.up(definition, only=["postgres"])
    try:
        wait_until(lambda: any((t / "PG_VERSION").is_file() and t.stat().st_mtime >= began
                               for t in template_cache().glob("*")), 60, interval=0.1,
                   message=f"the PostgreSQL template in {template_cache()}")
    finally:
        stack.close()


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values):6.3f}s  min {min(values):6.3f}s  max {max(values):6.3f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    definition = StackDefinition.load()
    warm_template(definition)  # "warm" means cached
    results: dict[str, list[float]] = {"baseline": [], "warm": [], "cold": [], "teardown": []}
    for _ in range(runs):
        results["baseline"].append(baseline())
        up, down = embedded(definition, cold=False)
        results["warm"].append(up)
        results["teardown"].append(down)
        results["cold"].append(embedded(definition, cold=True)[0])
    base = statistics.median(results["baseline"])
    print(f"runs: {runs}, temp dir base: {temp_base() or tempfile.gettempdir()}, cores: {os.cpu_count()}")
    print(f"baseline  redis-server + initdb + postgres   {describe(results['baseline'])}")
    print(f"embedded  warm (template cached)             {describe(results['warm'])}  "
          f"ratio {statistics.median(results['warm']) / base:4.2f}x")
    print(f"embedded  cold (initdb + init SQL)           {describe(results['cold'])}  "
          f"ratio {statistics.median(results['cold']) / base:4.2f}x")
    print(f"embedded  teardown                           {describe(results['teardown'])}")


if __name__ == "__main__":
    main()
