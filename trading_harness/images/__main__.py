"""`python -m trading_harness.images`: build the stack's images (offline base, wheelhouse, hashed tags)."""
from __future__ import annotations

import argparse
import sys
import time

from trading_harness.definition import StackDefinition
from trading_harness.docker_engine import preflight
from trading_harness.errors import HarnessError
from trading_harness.images.build import ensure_images


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trading_harness.images", description=__doc__)
    parser.add_argument("--stack-dir", default=None, help="stack definition directory (default: stack/)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    try:
        definition = StackDefinition.load(args.stack_dir)
        tags = ensure_images(definition.compose_file, preflight(), log=lambda line: print(f"images: {line}", flush=True))
    except HarnessError as exc:
        print(f"images: {exc}", file=sys.stderr)
        return 1
    for name, tag in tags.items():
        print(f"images: {name} -> {tag}")
    print(f"images: ready in {time.monotonic() - began:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
