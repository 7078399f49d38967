"""npm packages a test reads reports with, pinned, installed once into a cache folder outside the repository."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .shared_temp import exclusive


def cache_root() -> Path:
    """<cache>/trading-harness: what the tests install once, outside the repository."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trading-harness"


def node_modules(folder: str, packages: tuple[str, ...], *present: str) -> Path:
    """<cache>/trading-harness/<folder>/node_modules with `packages` installed (once: `present` are the paths
    under node_modules that show an earlier install); a skip naming the fix when node or npm is missing."""
    cache = cache_root() / folder
    modules = cache / "node_modules"
    if all((modules / path).exists() for path in present):
        return modules
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip(f"reading the reports with {', '.join(packages)} needs node and npm (apt-get install -y nodejs npm)")
    # One install at a time: two xdist workers installing into one folder at once undo each other (npm ENOTEMPTY,
    # and the package the first had installed is gone).
    with exclusive(cache / ".install.lock"):
        if all((modules / path).exists() for path in present):  # the other worker installed it meanwhile
            return modules
        proc = subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--no-save",
                               *packages], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 or not all((modules / path).exists() for path in present):
        pytest.skip(f"npm could not install {' '.join(packages)}: {(proc.stderr or proc.stdout)[-300:]}")
    return modules
