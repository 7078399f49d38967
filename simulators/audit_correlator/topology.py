"""The topology the correlator serves (TSE-0002): the topology.json named by TOPOLOGY_FILE.

The file is generated from the compose file by the harness (`harness topology`); the correlator
only reads it, again whenever it changes, so a regenerated file is served without a restart.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from simulators.common.http import ApiError

REQUIRED = ("version", "source", "nodes", "edges")


class TopologySource:
    """Reads and caches TOPOLOGY_FILE; a missing or malformed file is a 503, never a 500."""

    def __init__(self, path: str | None, nodes_only: bool = False):
        self.path = Path(path) if path else None
        self.nodes_only = nodes_only  # the deliberate fault `topology-nodes-only`
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], dict] | None = None

    def current(self) -> dict:
        if self.path is None:
            raise ApiError(503, "topology_unavailable", "No topology is configured (set TOPOLOGY_FILE).")
        try:
            info = self.path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
            with self._lock:
                if self._cached is None or self._cached[0] != stamp:
                    self._cached = (stamp, _parse(self.path.read_text()))
                topology = self._cached[1]
        except OSError as exc:
            raise ApiError(503, "topology_unavailable", f"The topology file cannot be read: {exc.strerror}.") from None
        if self.nodes_only:
            return {**topology, "edges": []}
        return topology


def _parse(text: str) -> dict:
    try:
        topology = json.loads(text)
    except ValueError:
        raise ApiError(503, "topology_invalid", "The topology file is not valid JSON.") from None
    if not isinstance(topology, dict) or any(key not in topology for key in REQUIRED) \
            or not isinstance(topology["nodes"], list) or not isinstance(topology["edges"], list):
        raise ApiError(503, "topology_invalid", f"The topology file needs {', '.join(REQUIRED)}.")
    return topology


def to_message(pb, topology: dict):
    """The gRPC Topology message of a topology document."""
    return pb.Topology(
        version=topology["version"], source=topology["source"],
        nodes=[pb.TopologyNode(id=n["id"], kind=n["kind"], image=n.get("image", ""),
                               ports=[pb.TopologyPort(**port) for port in n.get("ports", [])])
               for n in topology["nodes"]],
        edges=[pb.TopologyEdge(id=e["id"], source=e["source"], target=e["target"], protocol=e["protocol"],
                               via=e.get("via", [])) for e in topology["edges"]])
