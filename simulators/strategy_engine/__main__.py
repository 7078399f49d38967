"""Entry point: `python -m simulators.strategy_engine` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import StrategyDomain

if __name__ == "__main__":
    sys.exit(run_service(StrategyDomain))
