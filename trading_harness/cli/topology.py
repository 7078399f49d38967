"""`harness topology [--stack-dir DIR] [-o FILE] [--check FILE]`: topology.json from the compose file.

The document is validated against trading_harness/topology/topology.schema.json before it is
written; `--check FILE` exits 1 when FILE is not what the compose file gives today (a stale copy).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trading_harness.errors import HarnessError
from trading_harness.paths import project_root


def compose_file(stack_dir: str | None) -> Path:
    path = Path(stack_dir or project_root() / "stack") / "docker-compose.yml"
    if not path.is_file():
        raise HarnessError(f"{path} does not exist (pass --stack-dir with a stack definition)")
    return path


def run(args) -> int:
    from trading_harness.topology import generate, render, validate  # only for this command

    topology = generate(compose_file(args.stack_dir))
    validate(topology)
    text = render(topology)
    summary = f"{len(topology['nodes'])} nodes, {len(topology['edges'])} edges"
    if args.check:
        try:
            current = Path(args.check).read_text()
        except OSError as exc:
            raise HarnessError(f"cannot read {args.check}: {exc.strerror}") from None
        if current != text:
            print(f"{args.check} is stale: regenerate it with `harness topology -o {args.check}` ({summary})")
            return 1
        print(f"{args.check} is up to date ({summary})")
        return 0
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}: {summary}", file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    parser = sub.add_parser("topology", help="generate topology.json from the compose file")
    parser.add_argument("--stack-dir", default=argparse.SUPPRESS, help="stack definition directory (default: stack/)")
    parser.add_argument("-o", "--output", default="topology.json", help="where to write it (- for stdout)")
    parser.add_argument("--check", metavar="FILE", help="exit 1 unless FILE equals the generated topology")
    parser.set_defaults(run=run)
