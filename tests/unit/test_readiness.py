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
