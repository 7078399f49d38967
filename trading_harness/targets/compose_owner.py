"""Who owns a compose stack: labels with the run id and the owning process, and the reaper of orphans.

Every container, network and volume of a harness run carries these labels. A stack whose owner
process is gone (SIGKILL leaves no chance to run `down -v`) is removed by the next run or by
`harness clean`; testcontainers' reaper does not reap compose stacks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

RUN_ID = "harness.run-id"
OWNER_PID = "harness.owner-pid"
OWNER_STARTED = "harness.owner-started"  # the owner's start time (clock ticks after boot), against pid reuse
PROJECT = "com.docker.compose.project"


def process_started(pid: int) -> str | None:
    """The start time of a process from /proc, or None when it does not exist."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


@dataclass(frozen=True)
class Owner:
    run_id: str
    pid: int
    started: str

    @classmethod
    def this_process(cls, run_id: str) -> Owner:
        return cls(run_id, os.getpid(), process_started(os.getpid()) or "")

    def labels(self) -> dict[str, str]:
        return {RUN_ID: self.run_id, OWNER_PID: str(self.pid), OWNER_STARTED: self.started}


def owner_alive(labels: dict[str, str]) -> bool:
    try:
        pid = int(labels.get(OWNER_PID, ""))
    except ValueError:
        return False
    started = process_started(pid)
    return started is not None and started == labels.get(OWNER_STARTED, started)


def reap(engine, only_run: str | None = None) -> list[str]:
    """Remove the containers, then networks, then volumes whose owner is gone (or of one run): what was removed."""
    from docker.errors import APIError, NotFound
    removed = []
    selector = {"label": f"{RUN_ID}={only_run}"} if only_run else {"label": OWNER_PID}

    def orphan(labels: dict[str, str] | None) -> bool:
        return only_run is not None or not owner_alive(labels or {})

    for container in engine.containers.list(all=True, filters=selector):
        if orphan(container.labels):
            try:
                container.remove(force=True, v=True)
                removed.append(f"container {container.name}")
            except (NotFound, APIError):
                pass
    for network in engine.networks.list(filters=selector):
        if orphan(network.attrs.get("Labels")):
            try:
                network.remove()
                removed.append(f"network {network.name}")
            except (NotFound, APIError):
                pass
    for volume in engine.volumes.list(filters=selector):
        if orphan(volume.attrs.get("Labels")):
            try:
                volume.remove(force=True)
                removed.append(f"volume {volume.name}")
            except (NotFound, APIError):
                pass
    return removed
