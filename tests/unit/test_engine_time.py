"""The compose target reads a service's exit time from the engine's own record (State.FinishedAt)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trading_harness.targets.compose import engine_time


def test_an_engine_timestamp_keeps_its_fraction():
    whole = datetime(2026, 12, 6, 5, 7, 12, tzinfo=UTC).timestamp()
    assert engine_time("2026-12-06T05:07:12.123456789Z") == pytest.approx(whole + 0.123456789)
    assert engine_time("2026-12-06T05:07:12Z") == whole


@pytest.mark.parametrize("text", ["", "garbage", "2026-12-06 05:07:12Z", "2026-12-06T05:07:12.5+01:00"])
def test_an_unreadable_timestamp_is_none(text):
    assert engine_time(text) is None


def test_a_container_that_never_finished_reads_long_before_now():
    """Docker's zero time: the caller then falls back to its own wait."""
    assert engine_time("0001-01-01T00:00:00Z") < 0
