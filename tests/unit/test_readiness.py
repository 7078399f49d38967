"""Readiness answers within its budget when a dependency's check hangs, and recovers when it answers."""
from __future__ import annotations

import threading
import time

from simulators.common.readiness import Readiness
from trading_harness.polling import wait_until


def test_a_hanging_check_reads_unavailable_within_the_budget():
    release = threading.Event()

    def hangs() -> tuple[bool, str]:
        release.wait(30)
        return True, "ok"

    readiness = Readiness({"redis": hangs, "postgres": lambda: (True, "ok")}, interval=60, budget=0.3)
    try:
        started = time.monotonic()
        assert readiness.refresh() is False
        assert time.monotonic() - started < 1.0
        assert readiness.snapshot()["redis"] == {"ok": False, "detail": "no answer within 0.3s"}
        assert readiness.snapshot()["postgres"]["ok"] is True
        assert readiness.refresh() is False  # still hanging: no second thread, still unavailable
        assert sum(t.name == "check-redis" for t in threading.enumerate()) == 1
        release.set()
        wait_until(readiness.refresh, 5, message="redis to read ready once its check answers")
    finally:
        release.set()


def test_a_check_that_raises_reports_the_dependency_down():
    def raises() -> tuple[bool, str]:
        raise OSError("Name or service not known")

    readiness = Readiness({"redis": raises}, interval=60, budget=0.5)
    assert readiness.refresh() is False
    assert "Name or service not known" in readiness.snapshot()["redis"]["detail"]


def test_a_caller_arriving_during_a_check_gets_its_answer_not_unavailable():
    """/api/v1/ready asked while the monitor's check runs waits for that check (CI: a fuzzed /ready gave 503)."""
    began, release = threading.Event(), threading.Event()

    def slow() -> tuple[bool, str]:
        began.set()
        release.wait(30)
        return True, "ok"

    readiness = Readiness({"postgres": slow}, interval=60, budget=10)
    monitor = threading.Thread(target=readiness.refresh)
    monitor.start()
    try:
        assert began.wait(10), "the first check never began"
        threading.Timer(0.2, release.set).start()
        assert readiness.refresh() is True, readiness.snapshot()
        assert sum(t.name == "check-postgres" for t in threading.enumerate()) <= 1
    finally:
        release.set()
        monitor.join(10)


def test_the_answer_and_its_components_come_from_one_check():
    """CI: a fuzzed /ready answered 503 with every component "ok": another check had landed in between."""
    answers = iter([(False, "connection refused"), (True, "ok")])
    readiness = Readiness({"postgres": lambda: next(answers)}, interval=60, budget=5)
    readiness.listeners.append(lambda ready: ready or readiness.refresh())  # another caller's check, in between
    ready, components = readiness.refreshed()
    assert (ready, components) == (False, {"postgres": {"ok": False, "detail": "connection refused"}})
    assert readiness.snapshot() == {"postgres": {"ok": True, "detail": "ok"}}  # the later check's, for later callers


def test_a_caller_reads_its_own_check_not_one_another_caller_started_after_it():
    """Polling /api/v1/ready every 0.1 s gave 503 "no answer within 3s" in 10 ms: a caller whose checks had
    answered read the newer, still running, check another caller had started in the meantime."""
    redis_calls, redis_second_began, postgres_go, release = [], threading.Event(), threading.Event(), threading.Event()

    def redis_check() -> tuple[bool, str]:
        redis_calls.append(None)
        if len(redis_calls) == 1:
            return True, "ok"
        redis_second_began.set()  # the later caller's check, still running when the first caller reads
        release.wait(30)
        return True, "ok"

    def postgres_check() -> tuple[bool, str]:
        postgres_go.wait(30)  # keeps the first caller waiting until the later caller's redis check runs
        return True, "ok"

    readiness = Readiness({"redis": redis_check, "postgres": postgres_check}, interval=60, budget=10)
    first: list = []
    first_caller = threading.Thread(target=lambda: first.append(readiness.refreshed()))
    later_caller = threading.Thread(target=readiness.refreshed)
    try:
        first_caller.start()
        wait_until(lambda: redis_calls and not any(t.name == "check-redis" for t in threading.enumerate()), 10,
                   message="the first caller's redis check to answer")
        later_caller.start()
        assert redis_second_began.wait(10), "the later caller started no redis check of its own"
        postgres_go.set()
        first_caller.join(10)
        assert first == [(True, {"redis": {"ok": True, "detail": "ok"}, "postgres": {"ok": True, "detail": "ok"}})]
    finally:
        postgres_go.set()
        release.set()
        first_caller.join(10)
        later_caller.join(10)
