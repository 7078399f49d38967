"""Entry point: `python -m simulators.custodian` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import CustodianDomain

if __name__ == "__main__":
    sys.exit(run_service(CustodianDomain))
