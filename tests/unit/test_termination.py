"""A SIGTERM turns into KeyboardInterrupt (trading_harness/termination.py), but never inside logging: raised
between logging's `acquire()` and its `try`, it would leave the lock held and the next thread that logs would
wait forever (a stack's start hung so). There it is raised just after the logging call instead."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from ..conftest import REPO

SCRIPT = textwrap.dedent("""
    import logging, os, signal, threading, time
    from trading_harness.termination import Termination

    Termination().install()

    class SigtermWhileLogging(logging.Handler):
        def emit(self, record):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(100_000):  # the signal's handler runs here, inside the logging call
                pass

    log = logging.getLogger("inside")
    log.addHandler(SigtermWhileLogging())
    log.propagate = False
    try:
        log.warning("a record")
        print("the logging call returned", flush=True)
        time.sleep(10)
        print("no KeyboardInterrupt", flush=True)
    except KeyboardInterrupt:
        print("KeyboardInterrupt after the logging call", flush=True)
    logged = threading.Event()
    threading.Thread(target=lambda: (logging.getLogger("other").warning("x"), logged.set()), daemon=True).start()
    print("another thread logged:", logged.wait(5), flush=True)
""")


def test_a_sigterm_inside_logging_is_raised_after_the_logging_call():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.stdout.splitlines() == ["the logging call returned", "KeyboardInterrupt after the logging call",
                                        "another thread logged: True"], proc.stdout + proc.stderr[-2000:]


BLOCKED = textwrap.dedent("""
    import logging, os, signal, time
    from trading_harness.termination import Termination

    Termination().install()

    class BlockedHandler(logging.Handler):  # as a write to a pipe nobody reads
        def emit(self, record):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)

    log = logging.getLogger("blocked")
    log.addHandler(BlockedHandler())
    log.propagate = False
    began = time.monotonic()
    try:
        log.warning("a record")
        print("the logging call returned", flush=True)
    except KeyboardInterrupt:
        print("KeyboardInterrupt inside it after", round(time.monotonic() - began, 2), flush=True)
""")


def test_a_logging_call_that_does_not_return_is_interrupted_after_a_second():
    proc = subprocess.run([sys.executable, "-c", BLOCKED], cwd=REPO, capture_output=True, text=True, timeout=60)
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("KeyboardInterrupt inside it after "), proc.stdout + proc.stderr[-2000:]
    assert 1.0 <= float(lines[0].split()[-1]) < 10, f"not raised after DEFER_SECONDS (1 s) but {lines[0]}"
