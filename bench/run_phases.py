"""A pytest plugin for bench/run_overhead.py: when each phase of a run ends, in wall and CPU seconds.

Loaded with `-p run_phases` (bench/ on PYTHONPATH); writes one JSON object to $BENCH_PHASES_FILE at exit.
Wall time counts from the process's start (/proc/self/stat), CPU time is the process's own (user + system).
"""
from __future__ import annotations

import atexit
import json
import os
import time
from pathlib import Path

import pytest
from procfs import TICK, stat_fields

PHASES_ENV = "BENCH_PHASES_FILE"


def _started() -> float:
    """The process's start on the monotonic clock (/proc/self/stat start time is ticks since boot)."""
    since_boot = float(Path("/proc/uptime").read_text().split()[0])
    return time.monotonic() - since_boot + int(stat_fields(os.getpid())[19]) / TICK


STARTED = _started()
marks: dict[str, tuple[float, float]] = {}


def mark(phase: str) -> None:
    marks[phase] = (time.monotonic() - STARTED, time.process_time())


mark("pytest imported")


def pytest_configure(config: pytest.Config) -> None:
    mark("plugins and conftests loaded")


def pytest_collection_finish(session: pytest.Session) -> None:
    mark("collected")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    mark("scenarios run")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    mark("reports written")


def _write() -> None:  # registered at import: the handlers the run registers later run before it
    mark("atexit handlers run")
    path = os.environ.get(PHASES_ENV)
    if path:
        with open(path, "w") as out:
            json.dump(marks, out)


atexit.register(_write)
