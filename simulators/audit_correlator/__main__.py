"""Entry point: `python -m simulators.audit_correlator` (settings from the environment)."""
import sys

from simulators.common.service import run_service

from .app import AuditDomain

if __name__ == "__main__":
    sys.exit(run_service(AuditDomain))
