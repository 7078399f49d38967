"""simulators/common/shutdown.py: a service's stop stays within its budget and names the stage that held it up."""
from __future__ import annotations

import logging
import threading

import pytest

from simulators.common.shutdown import Shutdown


@pytest.fixture
def held():
    """An event the stuck stages wait on; set at the end so that no thread outlives the test."""
    event = threading.Event()
    yield event
    event.set()


def records(caplog, message: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == message]


def test_the_stages_run_in_order_and_each_is_waited_for(caplog):
    ran = []
    stop = Shutdown(budget=5.0)
    assert stop.stage("first", lambda: ran.append("first"), 1.0)
    assert stop.stage("second", lambda: ran.append("second"), 1.0)
    assert ran == ["first", "second"]
    assert stop.overran == [] and not records(caplog, "shutdown stage overran its time")


def test_a_stage_that_hangs_is_cut_at_its_share_and_named_with_where_it_hangs(caplog, held):
    def waits_for_a_thread_that_never_ends():
        held.wait()

    caplog.set_level(logging.WARNING, logger="service")
    stop = Shutdown(budget=5.0)
    ended = stop.stage("background work", waits_for_a_thread_that_never_ends, 0.2)
    assert not ended and stop.overran == ["background work"]
    [record] = records(caplog, "shutdown stage overran its time")
    assert record.stage == "background work" and record.seconds == 0.2
    assert "shutdown-background work: " in record.threads
    assert "test_shutdown.py" in record.threads and "waits_for_a_thread_that_never_ends" in record.threads
    assert stop.seconds < 2.0  # not the 5 s budget: the stage's own share


def test_the_stages_together_never_wait_past_the_budget(caplog, held):
    caplog.set_level(logging.WARNING, logger="service")
    stop = Shutdown(budget=0.3)
    stop.stage("one", held.wait, 0.2)
    stop.stage("two", held.wait, 0.2)
    stop.stage("three", held.wait, 0.2)
    waits = [r.seconds for r in records(caplog, "shutdown stage overran its time")]
    assert stop.overran == ["one", "two", "three"]
    assert waits[0] == 0.2 and waits[1] <= 0.1 and waits[2] == 0.0, waits
    assert round(sum(waits), 3) <= 0.3  # the log gives each wait to the millisecond: 0.2 + 0.1 is 0.30000000000000004


def test_a_stage_that_fails_is_logged_and_the_next_stage_still_runs(caplog):
    ran = []

    def breaks():
        raise RuntimeError("pool already closed")

    caplog.set_level(logging.WARNING, logger="service")
    stop = Shutdown(budget=5.0)
    assert stop.stage("adapters", breaks, 1.0)
    assert stop.stage("servers", lambda: ran.append("servers"), 1.0)
    [record] = records(caplog, "shutdown stage failed")
    assert record.stage == "adapters" and "pool already closed" in record.error
    assert ran == ["servers"]
