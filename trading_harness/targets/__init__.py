"""The targets, in one table: each opens (or attaches to) a stack. Adding a target is one module plus one entry."""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trading_harness.definition import StackDefinition
from trading_harness.errors import HarnessError
from trading_harness.targets.stack import Stack


def _embedded(definition: StackDefinition, target_file: str | None) -> Stack:
    from trading_harness.targets.embedded import EmbeddedStack  # on demand: each target has its own dependencies
    return EmbeddedStack.up(definition)


def _compose(definition: StackDefinition, target_file: str | None) -> Stack:
    from trading_harness.targets.compose import ComposeStack  # on demand: docker and testcontainers
    return ComposeStack.up(definition)


def _external(definition: StackDefinition, target_file: str | None) -> Stack:
    from trading_harness.targets.external import ExternalStack
    path = target_file or os.environ.get("HARNESS_TARGET_FILE")
    if not path:
        raise HarnessError("--target external needs --target-file PATH (or HARNESS_TARGET_FILE) "
                           "describing the deployment's endpoints; `harness start` writes one.")
    return ExternalStack.attach(definition, Path(path))


@dataclass(frozen=True)
class Target:
    open: Callable[[StackDefinition, str | None], Stack]  # (definition, --target-file) -> a healthy stack
    starts_stack: bool  # True: the harness starts it (`harness start --target`); False: it attaches to one
    description: str


TARGETS: dict[str, Target] = {
    "embedded": Target(_embedded, True, "local processes: real redis-server, PostgreSQL and the services"),
    "compose": Target(_compose, True, "Docker Compose, from images built offline"),
    "external": Target(_external, False, "a deployment already running, described by --target-file"),
}
STARTABLE = tuple(name for name, target in TARGETS.items() if target.starts_stack)  # `harness start`, the daemon


def open_target(name: str, definition: StackDefinition, *, target_file: str | None = None) -> Stack:
    """Bring up (or attach to) the named target and return it healthy."""
    try:
        target = TARGETS[name]
    except KeyError:
        raise HarnessError(f"unknown target '{name}': choose one of {', '.join(TARGETS)}") from None
    return target.open(definition, target_file)
