"""SIGTERM handled like Ctrl-C, so a cancelled CI job still tears down and reports; the exit status is 143."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

SIGTERM_EXIT = 128 + signal.SIGTERM
RETRY_SECONDS = 0.02  # how soon a SIGTERM that arrived inside logging is delivered again
DEFER_SECONDS = 1.0  # the longest it waits so (a logging call blocked on a full pipe): then it is raised there
# logging takes its locks as `acquire(); try: ... finally: release()`: an exception raised between the two
# would leave the lock held, and the next thread that logs would wait for it forever (seen: a stack's start
# hung after a SIGTERM). So a SIGTERM that finds the main thread inside logging is raised just after.
_LOGGING = str(Path(logging.__file__).parent) + os.sep


def _inside_logging(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith(_LOGGING):
            return True
        frame = frame.f_back
    return False


class Termination:
    """Turns the first SIGTERM into KeyboardInterrupt; later ones are noted, not raised, so teardown finishes."""

    def __init__(self) -> None:
        self.received = False
        self._previous = None
        self._deferred_since: float | None = None

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
        if self._deferred_since is None:
            self._deferred_since = time.monotonic()
        if _inside_logging(frame) and time.monotonic() - self._deferred_since < DEFER_SECONDS:
            retry = threading.Timer(RETRY_SECONDS, os.kill, (os.getpid(), signum))
            retry.daemon = True
            retry.start()
            return
        self.received = True
        raise KeyboardInterrupt("SIGTERM")
