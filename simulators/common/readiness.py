"""Readiness: whether PostgreSQL and Redis answer, re-checked every READY_CHECK_INTERVAL.

A simulator keeps serving while a dependency is down (stub mode): /api/v1/ready says 503
and gRPC health says NOT_SERVING until the dependency answers again.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("readiness")

Check = Callable[[], tuple[bool, str]]


class Readiness:
    def __init__(self, checks: dict[str, Check], interval: float, *, ignore: frozenset[str] = frozenset()):
        self.checks = checks
        self.interval = interval
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
        results = {}
        for name, check in self.checks.items():
            ok, detail = (True, "ok (not checked: fault)") if name in self.ignore else check()
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
        return ready

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
