"""Data directories of the throwaway servers: where embedded stacks keep theirs, swept alike."""
from __future__ import annotations

from pathlib import Path

from trading_harness.targets.embedded import owned_workdir


def throwaway_dir(prefix: str) -> Path:
    """A fresh temp dir named `trading-harness-…` with an owner file, so a SIGKILLed lint's is swept later."""
    return owned_workdir(prefix)
