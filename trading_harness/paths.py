"""Where the project's checkout is: the reference stack, the simulators, features and reports."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from trading_harness.errors import HarnessError

ROOT_ENV = "HARNESS_PROJECT_ROOT"
_MARKERS = ("stack", "simulators")


def _is_root(path: Path) -> bool:
    return all((path / marker).is_dir() for marker in _MARKERS)


@cache
def project_root() -> Path:
    """The checkout the harness runs from: $HARNESS_PROJECT_ROOT, the source tree, or the working directory upwards."""
    if os.environ.get(ROOT_ENV):
        path = Path(os.environ[ROOT_ENV]).resolve()
        if not _is_root(path):
            raise HarnessError(f"{ROOT_ENV}={path} holds no stack/ and simulators/; point it at a checkout of the harness")
        return path
    source = Path(__file__).resolve().parent.parent
    for path in (source, *[Path.cwd(), *Path.cwd().parents]):
        if _is_root(path):
            return path
    raise HarnessError("cannot find the harness checkout (a folder with stack/ and simulators/): run from inside it "
                       f"or set {ROOT_ENV}")
