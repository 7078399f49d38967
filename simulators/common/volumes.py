"""The instance's own data and logs directories (TSE-0001.12.0): DATA_DIR and LOG_DIR.

The volume initialisation step (stack/scripts/init-volumes.sh, the compose file's init-volumes
service) creates <volumes>/<instance>/data and /logs before any instance starts, owned by the
user the instances run as, each with a `.volume-init` marker naming the instance it was made for.
A simulator writes its log lines to LOG_DIR/<instance>.log (beside stderr) and its identity to
DATA_DIR/instance.json, and reports both directories in GET /api/v1/adapter. A missing directory is
reported and never created here: creating it is the initialisation step's job.
"""
from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

MARKER = ".volume-init"
IDENTITY = "instance.json"
log = logging.getLogger("volumes")


def log_file(log_dir: str | None, instance: str) -> Path | None:
    """The log file to write beside stderr, when LOG_DIR is an existing directory."""
    if not log_dir or not Path(log_dir).is_dir():
        if log_dir:
            log.warning("LOG_DIR is not a directory: logging to stderr only", extra={"log_dir": log_dir})
        return None
    return Path(log_dir) / f"{instance}.log"


def write_identity(data_dir: str | None, service: str, instance: str) -> None:
    """DATA_DIR/instance.json: who uses this directory (the proof that the instance can write it)."""
    if not data_dir:
        return
    try:
        (Path(data_dir) / IDENTITY).write_text(json.dumps({
            "service": service, "instance": instance, "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(timespec="milliseconds")}))
    except OSError as exc:
        log.warning("cannot write to DATA_DIR", extra={"data_dir": data_dir, "error": str(exc)})


def describe(path: str | None) -> dict | None:
    """What the instance sees of one directory: existence, marker, owner, its own files."""
    if not path:
        return None
    directory = Path(path)
    info: dict[str, object] = {"path": path, "exists": directory.is_dir(), "initialised_for": None,
                               "owner_uid": None, "process_uid": os.getuid(), "files": []}
    if not info["exists"]:
        return info
    try:
        info["initialised_for"] = (directory / MARKER).read_text().strip() or None
    except OSError:
        pass
    try:
        info["owner_uid"] = directory.stat().st_uid
        info["files"] = sorted(p.name for p in directory.iterdir() if p.name != MARKER)
    except OSError as exc:
        info["error"] = str(exc)
    return info
