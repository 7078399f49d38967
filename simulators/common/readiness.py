"""Readiness: whether PostgreSQL and Redis answer, re-checked every READY_CHECK_INTERVAL.

A simulator keeps serving while a dependency is down (stub mode): /api/v1/ready says 503
and gRPC health says NOT_SERVING until the dependency answers again.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Container

log = logging.getLogger("readiness")

Check = Callable[[], tuple[bool, str]]


class _Pending:
    """One run of a check: its thread, when it began, and its answer once it has one."""

    def __init__(self, name: str, check: Check, began: float):
        self.check = check
        self.began = began
        self.result: tuple[bool, str] | None = None
        self.thread = threading.Thread(target=self._run, name=f"check-{name}", daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.check()
        except Exception as exc:  # noqa: BLE001 - a check that raises reports the dependency down
            self.result = (False, f"{type(exc).__name__}: {exc}")


class Readiness:
    """Each check runs in its own thread and gets `budget` seconds: a dependency whose check hangs
    where its client's own timeouts do not reach (a name lookup) reads as unavailable instead of
    stalling /api/v1/ready. The budget stays above those timeouts (Redis 1 s, PostgreSQL 2 s)."""

    def __init__(self, checks: dict[str, Check], interval: float, *, ignore: Container[str] = frozenset(),
                 budget: float = 3.0):
        self.checks = checks
        self.interval = interval
        self.budget = budget
        self._running: dict[str, _Pending] = {}  # name -> its latest check
        self.ignore = ignore  # components reported ok whatever they say (the ready-ignores-postgres fault)
        self.components: dict[str, dict[str, object]] = {name: {"ok": False, "detail": "not checked"} for name in checks}
        self.listeners: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: bool | None = None

    @property
    def ready(self) -> bool:
        with self._lock:
            return all(c["ok"] for c in self.components.values())

    def refresh(self) -> bool:
        """Check every dependency now; tell listeners when readiness changes."""
        return self.refreshed()[0]

    def refreshed(self) -> tuple[bool, dict[str, dict[str, object]]]:
        """(ready, each component) from one check of every dependency now: another caller's check may
        replace `components` before this one answers, and an answer must not mix the two."""
        results = {}
        for name, (ok, detail) in self._run_checks().items():
            results[name] = {"ok": ok, "detail": detail}
        with self._lock:
            self.components = results
            ready = all(c["ok"] for c in results.values())
            changed, self._last = ready != self._last, ready
        if changed:
            log.log(logging.INFO if ready else logging.WARNING, "ready" if ready else "degraded (stub mode)",
                    extra={name: c["detail"] for name, c in results.items()})
            for listener in self.listeners:
                listener(ready)
        return ready, {name: dict(c) for name, c in results.items()}

    def _run_checks(self) -> dict[str, tuple[bool, str]]:
        """Every check's (ok, detail); one still running after the budget is (False, "no answer ...").
        A check already running (the monitor's, or another request's) is waited for, not started again: its
        answer is as fresh, and a caller arriving in the middle of it must not read "no answer". Each caller
        reads the checks it waited for: another caller may start newer ones meanwhile."""
        now = time.monotonic()
        mine: dict[str, _Pending] = {}
        for name, check in self.checks.items():
            if name in self.ignore:
                continue
            with self._lock:
                pending = self._running.get(name)
                if pending is None or not pending.thread.is_alive():  # else no pile-up behind a hanging check
                    pending = self._running[name] = _Pending(name, check, now)  # together: one budget in all
                    pending.thread.start()
                mine[name] = pending
        for pending in mine.values():
            pending.thread.join(max(0.0, pending.began + self.budget - time.monotonic()))
        results = {}
        for name in self.checks:
            if name in self.ignore:
                results[name] = (True, "ok (not checked: fault)")
            else:
                results[name] = mine[name].result or (False, f"no answer within {self.budget:g}s")
        return results

    def snapshot(self) -> dict[str, dict[str, object]]:
        with self._lock:
            return {name: dict(c) for name, c in self.components.items()}

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._run, name="readiness", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a failing check must not end the monitor
                log.exception("readiness check failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
