"""SIGTERM handled like Ctrl-C, so a cancelled CI job still tears down and reports; the exit status is 143."""
from __future__ import annotations

import signal
import threading

SIGTERM_EXIT = 128 + signal.SIGTERM


class Termination:
    """Turns the first SIGTERM into KeyboardInterrupt; later ones are noted, not raised, so teardown finishes."""

    def __init__(self) -> None:
        self.received = False
        self._previous = None

    def install(self) -> Termination:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def uninstall(self) -> None:
        if self._previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._previous)
            self._previous = None

    def _handle(self, signum, frame) -> None:
        if self.received:
            return
        self.received = True
        raise KeyboardInterrupt("SIGTERM")
