"""Entry point: `python -m simulators.market_data` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import MarketDataDomain

if __name__ == "__main__":
    sys.exit(run_service(MarketDataDomain))
