"""topology.json from docker-compose.yml: one node per service, one edge per connected pair of services.

An edge runs from the service that connects to the service it connects to. It comes from
`depends_on` and from the connection settings in the service's environment: URLs whose host is
a service (REDIS_URL, POSTGRES_URL, REGISTRY_URL, peer URLs), `host:port` gRPC targets, and
`*_SERVICE` variables naming a peer (the simulators call peers over gRPC, found through the
registry). `via` lists everything that declares the edge. Output is sorted: the same compose
file always gives the same bytes.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from trading_harness.definition import ServiceSpec, compose_services
from trading_harness.stack_reader.kinds import INFRASTRUCTURE, repository

VERSION = 1
SCHEMES = {"redis": "redis", "rediss": "redis", "postgres": "postgres", "postgresql": "postgres",
           "http": "http", "https": "http", "grpc": "grpc", "dns": "grpc"}
PORT_VARIABLES = {"HTTP_PORT": "http", "GRPC_PORT": "grpc", "AUDIT_PORT": "audit"}
_TARGET = re.compile(r"^(?P<host>[A-Za-z0-9][A-Za-z0-9_.-]*):(?P<port>\d+)$")


def generate(compose_file: Path) -> dict:
    """The topology of a compose file, as a JSON-ready dict."""
    services = compose_services(Path(compose_file))
    edges: dict[tuple[str, str], dict] = {}
    for name, spec in services.items():
        for target, protocol, via in _connections(spec, services):
            edge = edges.setdefault((name, target), {"id": f"{name}->{target}", "source": name, "target": target,
                                                     "protocol": protocol, "via": []})
            if edge["protocol"] == "dependency":
                edge["protocol"] = protocol
            edge["via"] = sorted({*edge["via"], via})
    return {
        "version": VERSION,
        "source": Path(compose_file).name,
        "nodes": [_node(services[name]) for name in sorted(services)],
        "edges": [edges[key] for key in sorted(edges)],
    }


def render(topology: dict) -> str:
    """The bytes written to topology.json (stable key order, one trailing newline)."""
    return json.dumps(topology, indent=2, sort_keys=True) + "\n"


def _node(spec: ServiceSpec) -> dict:
    kind = _kind(spec)
    names = {int(value): label for key, label in PORT_VARIABLES.items()
             if (value := spec.environment.get(key, "")).isdigit()}
    ports = [{"name": names.get(p.container_port, kind if kind in ("redis", "postgres") else f"port-{p.container_port}"),
              "container_port": p.container_port, "host_port": p.host_port, "host_ip": p.host_ip}
             for p in spec.ports]
    return {"id": spec.name, "kind": kind, "image": spec.image or "", "ports": sorted(ports, key=lambda p: p["container_port"])}


def _kind(spec: ServiceSpec) -> str:
    """What runs (stack_reader.kinds): redis, postgres, prometheus, the Python module's name (registry,
    exchange, market-data, ...), else the image's repository name (redis_exporter, grafana, ...)."""
    if spec.category in INFRASTRUCTURE:
        return spec.category
    if spec.command[:2] == ["python", "-m"] and len(spec.command) > 2:
        return spec.command[2].split(".")[-1].replace("_", "-")
    return repository(spec.image).split("/")[-1] or "service"


def _connections(spec: ServiceSpec, services: dict[str, ServiceSpec]):
    """(target, protocol, via) for each connection `spec` declares to another service."""
    for dependency in spec.depends_on:
        if dependency in services:
            yield dependency, "dependency", "depends_on"
    for key, value in sorted(spec.environment.items()):
        found = _target(key, value.strip(), services)
        if found and found[0] != spec.name:
            yield (*found, key)


def _target(key: str, value: str, services: dict[str, ServiceSpec]) -> tuple[str, str] | None:
    if "://" in value:
        parts = urlsplit(value)
        if parts.hostname in services and parts.scheme in SCHEMES:
            return parts.hostname, SCHEMES[parts.scheme]
        return None
    match = _TARGET.match(value)
    if match and match["host"] in services:
        grpc_port = services[match["host"]].environment.get("GRPC_PORT")
        return match["host"], "grpc" if match["port"] == grpc_port else "tcp"
    if key.endswith("_SERVICE") and value in services:
        return value, "grpc"
    return None
