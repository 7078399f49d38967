"""The risk monitor's price subscription stops at once, even while it waits for market data to answer."""
from __future__ import annotations

import socket
import time

from simulators.risk_monitor.prices import PriceSubscriber
from trading_harness.polling import wait_until

CONNECT_TIMEOUT = 30.0  # far beyond what a stop may take: the stop must not wait it out


def test_stop_does_not_wait_for_market_data_that_does_not_answer():
    """CI: the risk monitor took 4.9 s to exit on SIGTERM while market data was restarting, in a connect that
    waits up to its timeout; the stop now cancels that wait."""
    with socket.socket() as refusing:  # bound, never listening: every connect is refused, the channel never ready
        refusing.bind(("127.0.0.1", 0))
        subscriber = PriceSubscriber(f"127.0.0.1:{refusing.getsockname()[1]}", ["BTC/USD"],
                                     call_timeout=CONNECT_TIMEOUT).start()
        try:
            wait_until(lambda: subscriber._connecting is not None, 10, message="the subscriber to be connecting")
            began = time.monotonic()
            subscriber.stop()
            took = time.monotonic() - began
            assert took < CONNECT_TIMEOUT / 3, f"stop() took {took:.1f}s: it waited for the connect to time out"
            assert subscriber.errors == ["CANCELLED"]
        finally:
            subscriber._stop.set()
