"""Data directories of the throwaway servers: where embedded stacks keep theirs, swept alike."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from trading_harness.targets.embedded import OWNER_FILE, WORKDIR_PREFIX, temp_base


def throwaway_dir(prefix: str) -> Path:
    """A fresh temp dir named `trading-harness-…` with an owner file, so a SIGKILLed lint's is swept later."""
    assert prefix.startswith(WORKDIR_PREFIX)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=temp_base()))
    (path / OWNER_FILE).write_text(str(os.getpid()))
    return path
