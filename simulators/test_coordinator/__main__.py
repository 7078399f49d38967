"""Entry point: `python -m simulators.test_coordinator` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import CoordinatorDomain

if __name__ == "__main__":
    sys.exit(run_service(CoordinatorDomain))
