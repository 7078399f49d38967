"""Check (d): every host:port or URL in the stack's own scripts, healthchecks and service URLs
points at a port compose publishes (from the host) or exposes (inside the service's network).
"""
from __future__ import annotations

import re
from pathlib import Path

from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.layout import Service, StackLayout
from trading_harness.stack_reader.bounded import read_lines

CHECK = "ports"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"}
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<default>[^}]*)\}")
_HOST_PORT = re.compile(r"(?:(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@/\s\"']*@)?)?"
                        r"(?<![\w.-])(?P<host>[A-Za-z0-9_.-]+|\[::1\]):(?P<port>\d{2,5})\b(?![.:]\d)")
_FLAGS = re.compile(r"(?:-h|--host)[ =](?P<host>[A-Za-z0-9_.-]+)\b.*?(?:-p|--port)[ =](?P<port>\d{2,5})\b"
                    r"|(?:-p|--port)[ =](?P<port2>\d{2,5})\b.*?(?:-h|--host)[ =](?P<host2>[A-Za-z0-9_.-]+)\b")
_EXEC = re.compile(r"\b(?:docker[ -]compose|docker)\s+exec\s+(?:-\S+\s+)*(?P<service>[A-Za-z0-9_.-]+)")
_CLIENT_KIND = {"redis-cli": "redis", "rediss://": "redis", "redis://": "redis", "pg_isready": "postgres",
                "psql": "postgres", "postgres://": "postgres", "postgresql://": "postgres"}


def references(text: str) -> list[tuple[str, int]]:
    """(host, port) pairs a line of shell or a command names."""
    text = _DEFAULTED.sub(lambda m: m["default"], text)
    found = [(m["host"], int(m["port"])) for m in _HOST_PORT.finditer(text)]
    for m in _FLAGS.finditer(text):
        found.append((m["host"] or m["host2"], int(m["port"] or m["port2"])))
    return list(dict.fromkeys(found))


def check(layout: StackLayout) -> list[Finding]:
    findings = []
    for script in layout.scripts():
        findings.extend(_script(layout, script))
    for service in layout.services.values():
        findings.extend(_healthcheck(layout, service))
        findings.extend(_environment(layout, service))
    return findings


def _published(layout: StackLayout) -> dict[int, str]:
    return {port: s.name for s in layout.services.values() for port in s.host_ports}


def _mounted_into(layout: StackLayout, script: Path) -> Service | None:
    """The service whose container runs the script (a bind mount of it or of its folder), None for a host script."""
    for service in layout.services.values():
        for _, local in service.volumes(layout.root):
            if local == script or local in script.parents:
                return service
    return None


def _script(layout: StackLayout, script: Path) -> list[Finding]:
    findings, published = [], _published(layout)
    runs_in = _mounted_into(layout, script)
    for number, line in enumerate(read_lines(script), 1):
        if line.lstrip().startswith("#"):
            continue
        inside = _EXEC.search(line)
        inside_service = layout.services.get(inside["service"]) if inside else runs_in
        for host, port in references(line):
            if host in LOCAL_HOSTS and inside_service:
                if port not in inside_service.container_ports:
                    findings.append(_inside(where(script, number), inside_service, host, port))
            elif host in LOCAL_HOSTS:
                kind = _client_kind(line)
                wanted = {p: n for p, n in published.items() if kind is None or layout.services[n].kind == kind}
                if port not in (wanted or published):
                    what = f"compose publishes for {kind}" if kind and wanted else "compose publishes"
                    findings.append(Finding(CHECK, ERROR, where(script, number),
                                            f"{host}:{port} is not a port {what} "
                                            f"(published: {_listing(wanted or published)})", _suggest(layout, line)))
            elif host in layout.services and port not in layout.services[host].container_ports:
                findings.append(_inside(where(script, number), layout.services[host], host, port))
    return findings


def _healthcheck(layout: StackLayout, service: Service) -> list[Finding]:
    test = (service.raw.get("healthcheck") or {}).get("test") or []
    text = test if isinstance(test, str) else " ".join(str(t) for t in test)
    location = f"{where(service.compose.path, service.line('healthcheck', 'test'))} (service {service.name}, healthcheck)"
    findings = []
    for host, port in references(text):
        target = service if host in LOCAL_HOSTS else layout.services.get(host)
        if target is not None and port not in target.container_ports:
            findings.append(_inside(location, target, host, port))
    return findings


def _environment(layout: StackLayout, service: Service) -> list[Finding]:
    findings = []
    for variable, value in service.environment.items():
        for host, port in references(value):
            target = layout.services.get(host)
            if target is not None and target is not service and port not in target.container_ports:
                location = f"{where(service.compose.path, service.env_line(variable))} (service {service.name}, {variable})"
                findings.append(_inside(location, target, host, port))
    return findings


def _inside(location: str, target: Service, host: str, port: int) -> Finding:
    ports = ", ".join(str(p) for p in sorted(target.container_ports)) or "none"
    return Finding(CHECK, ERROR, location,
                   f"{host}:{port}: service {target.name} listens on no port {port} (its container ports: {ports})",
                   f"use one of {ports}, or publish/expose {port} for {target.name} in {target.compose.path.name}")


def _listing(published: dict[int, str]) -> str:
    return ", ".join(f"{port} ({name})" for port, name in sorted(published.items())) or "none"


def _client_kind(line: str) -> str | None:
    """redis or postgres when the line runs that server's client or names its URL scheme."""
    for client, kind in _CLIENT_KIND.items():
        if re.search(rf"(?<![\w-]){re.escape(client)}\b", line):
            return kind
    return None


def _suggest(layout: StackLayout, line: str) -> str:
    for client, kind in _CLIENT_KIND.items():
        if client in line:
            ports = sorted(p for s in layout.of_kind(kind) for p in s.host_ports)
            if ports:
                return f"use port {ports[0]}, which compose publishes for {kind}"
    return "use a port compose publishes for the service this line probes, or publish it"
