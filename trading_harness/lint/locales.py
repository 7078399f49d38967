"""Which locales this machine has (`locale -a`), to adapt settings naming missing ones."""
from __future__ import annotations

import subprocess
from functools import cache


@cache
def installed() -> frozenset[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset({"c", "posix"})
    return frozenset(_norm(name) for name in out.split())


def is_installed(name: str) -> bool:
    return _norm(name) in installed() or _norm(name) in ("", "c", "posix")


def _norm(name: str) -> str:
    return name.strip().strip("'\"").lower().replace("utf-8", "utf8")
