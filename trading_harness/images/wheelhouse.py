"""The wheelhouse the Python image installs from offline: the simulators' dependencies, pinned to the host's versions."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from trading_harness.errors import HarnessError

IMAGE_PYTHON = "3.11.2"  # python3 of Debian bookworm, the images' base
# What simulators/ imports at run time (grpc_tools only compiles the contracts, on the host).
# tests/unit/test_images.py checks this list against the imports under simulators/.
DISTRIBUTIONS = ("grpcio", "grpcio-health-checking", "grpcio-reflection", "protobuf", "httpx", "prometheus-client",
                 "psycopg", "psycopg-binary", "psycopg-pool", "redis", "opentelemetry-api", "opentelemetry-sdk",
                 "PyYAML")
# Needed only by the image's older interpreter (redis-py: python_full_version < "3.11.3"); pip's
# --python-version does not reach that marker, so it is named here.
IMAGE_ONLY = ("async-timeout>=4.0.3,<6",)


def requirements() -> str:
    """requirements.txt pinning each distribution to the version installed here."""
    lines = []
    for name in DISTRIBUTIONS:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            raise HarnessError(f"'{name}' is not installed in this environment; run ./setup.sh first") from None
    return "\n".join([*lines, *IMAGE_ONLY]) + "\n"


def ensure_wheelhouse(directory: Path, log=print) -> Path:
    """Download the wheels (from PyPI or pip's cache) unless the wheelhouse already holds these pins."""
    wanted = requirements()
    req, stamp = directory / "requirements.txt", directory / ".complete"
    if stamp.is_file() and req.is_file() and req.read_text() == wanted:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    for old in directory.glob("*.whl"):
        old.unlink()
    req.write_text(wanted)
    log(f"building the wheelhouse in {directory}")
    # Resolved for the image's interpreter (Debian bookworm's python3), whose markers may differ from ours.
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
                           "--only-binary=:all:", "--python-version", IMAGE_PYTHON, "--dest", str(directory),
                           "-r", str(req)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise HarnessError(f"pip wheel failed: {done.stderr.strip().splitlines()[-1:]}; check access to PyPI")
    stamp.touch()
    return directory
