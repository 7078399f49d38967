"""Order placement over HTTP with persistence, paced, against GET /api/v1/health at the same rate in the same run.

    python bench/order_throughput.py [--rate 200] [--seconds 10] [--accounts 20] [--max-clients 8]

Paced (open loop): requests are due every 1/RATE s whatever the replies do; latency is counted from
the moment a request was due, so a slow reply also delays (and is charged to) the requests queued
behind it. Blocks of 2 s alternate between POST /api/v1/orders (a market order: one transaction
writing the order, its trade, order_history, both balance legs, audit rows and settlement
instructions) and the baseline GET /api/v1/health, so drift on the machine hits both alike.
Orders alternate BUY and SELL of 0.0001 BTC/USD over ACCOUNTS funded accounts.

Maximum sustained rate (closed loop): 1 to MAX_CLIENTS clients each placing orders one after another
for 5 s; the best throughput reached, with its p50/p99.
The stack holds the exchange, market-data and the custodian (settlement instructions are sent and
settled on the same cores). --no-custodian leaves the custodian out: the instructions wait in the
outbox, which shows what the orders cost apart from settlement.
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from trading_harness.definition import StackDefinition  # noqa: E402
from trading_harness.targets.embedded import EmbeddedStack  # noqa: E402

EXCHANGE = "exchange-simulator"
SERVICES = [EXCHANGE, "market-data-simulator", "custodian-simulator"]
BLOCK_SECONDS = 2.0
TIMEOUT = 10.0
_local = threading.local()


def client() -> httpx.Client:
    if not hasattr(_local, "client"):
        _local.client = httpx.Client(timeout=TIMEOUT)
    return _local.client


def fund(stack: EmbeddedStack, count: int) -> list[str]:
    api, audit = stack.http_url(EXCHANGE), stack.audit_url(EXCHANGE)
    accounts = []
    with httpx.Client(timeout=TIMEOUT) as http:
        for i in range(count):
            reply = http.post(f"{api}/api/v1/accounts", json={"user_id": f"bench-{os.getpid()}-{i}",
                                                              "account_type": "SPOT"})
            reply.raise_for_status()
            account = reply.json()["account_id"]
            for asset, amount in (("USD", "1000000000"), ("BTC", "100000")):
                http.post(f"{audit}/audit/v1/accounts/{account}/deposits",
                          json={"asset": asset, "amount": amount}).raise_for_status()
            accounts.append(account)
    return accounts


def order_call(stack: EmbeddedStack, accounts: list[str]):
    url, numbers = f"{stack.http_url(EXCHANGE)}/api/v1/orders", itertools.count()

    def call() -> bool:
        n = next(numbers)
        reply = client().post(url, json={"account_id": accounts[n % len(accounts)], "symbol": "BTC/USD",
                                         "side": "BUY" if n // len(accounts) % 2 == 0 else "SELL",
                                         "type": "MARKET", "quantity": "0.0001"})
        return reply.status_code == 201
    return call


def health_call(stack: EmbeddedStack):
    url = f"{stack.http_url(EXCHANGE)}/api/v1/health"
    return lambda: client().get(url).status_code == 200


def paced(call, rate: float, seconds: float, pool: ThreadPoolExecutor) -> tuple[list[float], int, float]:
    """(latencies from the due time, errors, achieved rate) of `call` due every 1/rate s for `seconds`."""
    latencies, errors, lock = [], [0], threading.Lock()

    def run(due: float) -> None:
        ok = call()
        done = time.perf_counter()
        with lock:
            latencies.append(done - due)
            if not ok:
                errors[0] += 1

    began = time.perf_counter()
    futures = []
    for i in range(int(rate * seconds)):
        due = began + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)  # pacing the load generator, not synchronising on a condition
        futures.append(pool.submit(run, due))
    for future in futures:
        future.result()
    return latencies, errors[0], len(latencies) / (time.perf_counter() - began)


def closed_loop(call, clients: int, seconds: float) -> tuple[list[float], float]:
    latencies, lock, end = [], threading.Lock(), time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < end:
            began = time.perf_counter()
            call()
            with lock:
                latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (time.perf_counter() - began)


def cut(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


def row(label: str, samples: list[float], rate: float, errors: int) -> str:
    return (f"{label:<40}{len(samples):>7}{rate:>9.0f}{cut(samples, 50):9.2f}{cut(samples, 99):9.2f}"
            f"{max(samples) * 1000:9.2f}{errors:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="requests per second, paced")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per target (paced)")
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--max-clients", type=int, default=8, help="closed-loop clients, 1 to N doubling")
    parser.add_argument("--no-custodian", action="store_true", help="run without the custodian (no settling)")
    args = parser.parse_args()
    services = [s for s in SERVICES if not (args.no_custodian and s == "custodian-simulator")]
    stack = EmbeddedStack.up(StackDefinition.load(), only=services)
    try:
        accounts = fund(stack, args.accounts)
        orders, health = order_call(stack, accounts), health_call(stack)
        samples = {"orders": ([], 0), "health": ([], 0)}
        with ThreadPoolExecutor(max_workers=64) as pool:
            paced(orders, args.rate, 1.0, pool)  # warm-up
            paced(health, args.rate, 1.0, pool)
            for _ in range(max(1, round(args.seconds / BLOCK_SECONDS))):
                for name, call in (("orders", orders), ("health", health)):
                    got, errors, _ = paced(call, args.rate, BLOCK_SECONDS, pool)
                    samples[name] = (samples[name][0] + got, samples[name][1] + errors)
        rates = {}
        clients = 1
        while clients <= args.max_clients:
            rates[clients] = closed_loop(orders, clients, 5.0)
            clients *= 2
        state = httpx.get(f"{stack.audit_url(EXCHANGE)}/audit/v1/state", timeout=TIMEOUT).json()["settlement"]
    finally:
        stack.close()
    print(f"stack: {', '.join(stack.services)}, cores: {os.cpu_count()}, accounts: {args.accounts}, "
          f"paced at {args.rate:.0f}/s in {BLOCK_SECONDS:.0f} s blocks alternating orders and baseline")
    print(f"{'paced (ms from due time)':<40}{'n':>7}{'req/s':>9}{'p50':>9}{'p99':>9}{'max':>9}{'errors':>8}")
    print(row("baseline GET /api/v1/health", samples["health"][0], args.rate, samples["health"][1]))
    print(row("POST /api/v1/orders (market, persisted)", samples["orders"][0], args.rate, samples["orders"][1]))
    print(f"{'closed loop (ms per order)':<40}{'n':>7}{'orders/s':>9}{'p50':>9}{'p99':>9}{'max':>9}")
    for clients, (got, rate) in rates.items():
        print(f"{f'{clients} client(s)':<40}{len(got):>7}{rate:>9.0f}{cut(got, 50):9.2f}{cut(got, 99):9.2f}"
              f"{max(got) * 1000:9.2f}")
    best = max(rates, key=lambda c: rates[c][1])
    print(f"maximum sustained: {rates[best][1]:.0f} orders/s with {best} client(s); "
          f"settlement outbox at the end: {state['sent']} sent, {state['pending']} pending")


if __name__ == "__main__":
    main()
