"""Where the harness's own tests find the project, and how they start a pytest subprocess."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STACK = REPO / "stack"
# pytest plugins a features run never uses, turned off in every pytest subprocess (schemathesis and anyio are off
# in every run: pyproject.toml's addopts).
LEAN = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
# A run of the Redis scenarios needs Redis only: narrowed, its stack is up in 0.04 s instead of 7 s (3 s a run, not 11).
REDIS_ONLY = {"HARNESS_SERVICES": "redis"}
