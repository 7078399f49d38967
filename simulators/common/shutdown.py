"""A service's stop, kept within its budget: each stage gets a bounded wait, and one that overruns is named.

SIGTERM must end in exit 0 within 5 s. The stages (readiness, background work, deregistration, servers,
gRPC, adapters) each wait on threads or connections of their own, and their timeouts alone add up to more than
that. So each stage runs in a thread of its own, and the stop waits for it at most its share of what is
left of the budget. A stage that overruns is logged with the stack of every thread still running, so a
slow exit names what held it up; the stop goes on, and the process exit ends what is left.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable

log = logging.getLogger("service")
FRAMES = 4  # innermost frames shown per thread
THREADS = 20  # threads shown at most


class Shutdown:
    def __init__(self, budget: float, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.began = clock()
        self.deadline = self.began + budget
        self.overran: list[str] = []

    def stage(self, name: str, work: Callable[[], object], at_most: float) -> bool:
        """Run `work`, waiting for it at most `at_most` seconds and never past the budget; whether it ended."""
        wait = max(0.0, min(at_most, self.deadline - self.clock()))
        done = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - one stage's error must not stop the others
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name=f"shutdown-{name}", daemon=True).start()
        if not done.wait(wait):
            self.overran.append(name)
            log.warning("shutdown stage overran its time", extra={"stage": name, "seconds": round(wait, 3),
                                                                   "threads": thread_stacks()})
            return False
        if failure:
            log.warning("shutdown stage failed", extra={"stage": name, "error": repr(failure[0])[:300]})
        return True

    @property
    def seconds(self) -> float:
        return self.clock() - self.began


def thread_stacks() -> str:
    """Each other running thread with its innermost frames, innermost first: `name: file:line fn < ...`."""
    frames = sys._current_frames()
    lines = []
    for thread in threading.enumerate()[:THREADS]:
        frame = frames.get(thread.ident)
        if frame is None or thread is threading.current_thread():
            continue
        stack = traceback.extract_stack(frame)[-FRAMES:]
        where = " < ".join(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in reversed(stack))
        lines.append(f"{thread.name}: {where}")
    return "; ".join(lines)


def _short(path: str) -> str:
    """The last two parts of a source path (simulators/risk_monitor/prices.py -> risk_monitor/prices.py)."""
    return "/".join(path.split("/")[-2:])
