"""`harness lint [--stack-dir DIR]`: print every finding, one line each; exit 1 on an error."""
from __future__ import annotations

import argparse
import signal
import sys

from trading_harness.lint.runner import lint


def add_parser(sub) -> None:
    parser = sub.add_parser("lint", help="static checks of a stack definition: init SQL, ACL and redis.conf, "
                                         "credentials, ports, compose (exit 1 on an error)")
    parser.add_argument("--stack-dir", default=argparse.SUPPRESS, help="stack definition directory (default: stack/)")
    parser.add_argument("--quiet", "-q", action="store_true", help="errors and warnings only, no notes")


def main(args) -> int:
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so the throwaway servers are stopped
    try:
        report = lint(args.stack_dir)
    except KeyboardInterrupt:
        print("harness lint: interrupted; the throwaway servers are stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    for finding in report.findings:
        if not (args.quiet and finding.severity == "note"):
            print(finding.line())
    print(report.summary())
    return report.exit_code()


def _exit_on_sigterm(signum, frame) -> None:
    sys.exit(128 + signum)
