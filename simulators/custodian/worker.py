"""The settlement worker: one step of every open settlement per SETTLEMENT_CYCLE, in a thread."""
from __future__ import annotations

import logging
import threading

from .settlements import Settlements

log = logging.getLogger("settlement-worker")


class SettlementWorker:
    def __init__(self, settlements: Settlements, cycle: float, held=lambda: False):
        self.settlements = settlements
        self.held = held  # chaos: while it answers True, no settlement moves (delayed)
        self.cycle = cycle
        self.steps = 0  # cycles run
        self.moved = 0  # status changes made
        self.last_error: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="settlement-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.wait(self.cycle):
            if self.held():
                continue
            try:
                self.moved += self.settlements.advance()
                if self.last_error:
                    log.info("settlement worker resumed")
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - PostgreSQL down (stub mode): retried next cycle
                if self.last_error is None:
                    log.warning("settlement step failed; retrying every cycle", extra={"error": str(exc)})
                self.last_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.steps += 1
