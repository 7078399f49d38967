"""Entry point: `python -m simulators.exchange` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import ExchangeDomain

if __name__ == "__main__":
    sys.exit(run_service(ExchangeDomain))
