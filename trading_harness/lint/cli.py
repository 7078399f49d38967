"""`harness lint [--stack-dir DIR] [--format F]`: every finding; exit 1 on an error, 2 when the lint cannot run.

`text` (the default) prints one line per finding and the summary on stdout. The machine formats
(json, sarif, github, gitlab, junit: lint/formats.py) print only their document on stdout and
the summary on stderr.
"""
from __future__ import annotations

import argparse
import signal
import sys

from trading_harness.lint import formats


def add_parser(sub) -> None:
    parser = sub.add_parser("lint", help="static checks of a stack definition: init SQL, ACL and redis.conf, "
                                         "credentials, ports, compose (exit 1 on an error)")
    parser.add_argument("--stack-dir", default=argparse.SUPPRESS, help="stack definition directory (default: stack/)")
    parser.add_argument("--quiet", "-q", action="store_true", help="errors and warnings only, no notes")
    parser.add_argument("--format", "-f", choices=formats.FORMATS, default="text",
                        help="text (default), json, sarif (2.1.0), github (workflow commands), "
                             "gitlab (Code Quality), junit; machine formats go to stdout, the summary to stderr")


def main(args) -> int:
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so the throwaway servers are stopped
    try:
        from trading_harness.lint.runner import lint  # the checks' clients: only for this command

        report = lint(args.stack_dir)
    except KeyboardInterrupt:
        print("harness lint: interrupted; the throwaway servers are stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    fmt = getattr(args, "format", "text")
    if fmt == "text":
        for finding in report.findings:
            if not (args.quiet and finding.severity == "note"):
                print(finding.line())
        print(report.summary())
    else:
        document = formats.render(report, fmt, quiet=args.quiet)
        if document:
            print(document)
        print(report.summary(), file=sys.stderr)
    return report.exit_code()


def _exit_on_sigterm(signum, frame) -> None:
    sys.exit(128 + signum)
