"""Choosing and opening a target: embedded (default), compose or external."""
from __future__ import annotations

import os
from pathlib import Path

from trading_harness.definition import StackDefinition
from trading_harness.errors import HarnessError
from trading_harness.targets.stack import Stack

TARGETS = ("embedded", "compose", "external")


def open_target(name: str, definition: StackDefinition, *, target_file: str | None = None) -> Stack:
    """Bring up (or attach to) the named target and return it healthy."""
    if name == "embedded":
        from trading_harness.targets.embedded import EmbeddedStack
        return EmbeddedStack.up(definition)
    if name == "compose":
        from trading_harness.targets.compose import ComposeStack
        return ComposeStack.up(definition)
    if name == "external":
        from trading_harness.targets.external import ExternalStack
        path = target_file or os.environ.get("HARNESS_TARGET_FILE")
        if not path:
            raise HarnessError("--target external needs --target-file PATH (or HARNESS_TARGET_FILE) "
                               "describing the deployment's endpoints; `harness start` writes one.")
        return ExternalStack.attach(definition, Path(path))
    raise HarnessError(f"unknown target '{name}': choose one of {', '.join(TARGETS)}")
