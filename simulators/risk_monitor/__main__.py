"""Entry point: `python -m simulators.risk_monitor` (the risk-monitor service; settings from the environment)."""
import sys

from simulators.common.service import run_service

from .service import RiskDomain

if __name__ == "__main__":
    sys.exit(run_service(RiskDomain))
