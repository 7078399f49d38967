"""Check (e): each compose service is defined for unattended operation (the TSE-0001.3a criteria).

The rules return problems as sentences; steps/compose_steps.py asserts on the same rules.
"""
from __future__ import annotations

import ipaddress

from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.layout import Service, StackLayout

CHECK = "compose"
RESTART_POLICIES = ("always", "unless-stopped", "on-failure")


def healthcheck(name: str, raw: dict) -> list[str]:
    check = raw.get("healthcheck") or {}
    if not check.get("test") or check.get("disable") or check.get("test") == ["NONE"]:
        return [f"{name}: no healthcheck test"]
    return [f"{name}: healthcheck has no {key}" for key in ("interval", "timeout", "retries") if key not in check]


def restart(name: str, raw: dict) -> list[str]:
    policy = raw.get("restart") or ((raw.get("deploy") or {}).get("restart_policy") or {}).get("condition")
    return [] if policy in (*RESTART_POLICIES, "any") else [f"{name}: restart policy is {policy!r}"]


def limits(name: str, raw: dict) -> list[str]:
    found = ((raw.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    cpus, memory = found.get("cpus") or raw.get("cpus"), found.get("memory") or raw.get("mem_limit")
    return [] if cpus and memory else [f"{name}: deploy.resources.limits is {found!r} (needs cpus and memory)"]


def loopback_ports(name: str, raw: dict) -> list[str]:
    ports = raw.get("ports") or []
    if not ports:
        return [f"{name}: publishes no port"]
    exposed = [p for p in ports if not str(p.get("host_ip") if isinstance(p, dict) else p).startswith("127.0.0.1")]
    return [f"{name}: ports not bound to 127.0.0.1: {exposed}"] if exposed else []


def network(name: str, raw: dict, networks: dict, wanted: str | None = None, address: str | None = None) -> list[str]:
    """Attached to a declared network (`wanted` when given), at `address` or inside the network's subnet."""
    attached = raw.get("networks") or {}
    names = list(attached) if isinstance(attached, (dict, list)) else []
    if wanted is not None and wanted not in names:
        return [f"{name}: not attached to {wanted} (attached: {names})"]
    if not names:
        return [f"{name}: attached to no network (compose's default network only)"]
    problems = [f"{name}: network {n} is not declared under top-level networks:" for n in names if n not in (networks or {})]
    for net in [wanted] if wanted else names:
        assigned = (attached.get(net) or {}).get("ipv4_address") if isinstance(attached, dict) else None
        if address is not None and assigned != address:
            problems.append(f"{name}: address on {net} is {assigned!r}, expected {address}")
        subnets = [c.get("subnet") for c in ((networks or {}).get(net) or {}).get("ipam", {}).get("config") or []]
        if assigned and subnets and not any(ipaddress.ip_address(assigned) in ipaddress.ip_network(s) for s in subnets):
            problems.append(f"{name}: address {assigned} lies outside {net}'s subnets {subnets}")
    return problems


def one_shot_steps(services: dict) -> set[str]:
    """Services others await with `service_completed_successfully`: steps that run once (volume init, migrations)."""
    found = set()
    for raw in services.values():
        depends = (raw or {}).get("depends_on") or {}
        if isinstance(depends, dict):
            found |= {d for d, spec in depends.items() if (spec or {}).get("condition") == "service_completed_successfully"}
    return found


def depends_healthy(name: str, raw: dict, services: dict, dependency: str | None = None) -> list[str]:
    """Each dependency (or `dependency`) is awaited healthy, and has a healthcheck to be healthy by; a one-shot
    step is awaited until it completed successfully."""
    depends = raw.get("depends_on") or {}
    conditions = {d: "service_started" for d in depends} if isinstance(depends, list) else \
        {d: (spec or {}).get("condition", "service_started") for d, spec in depends.items()}
    if dependency is not None and dependency not in conditions:
        return [f"{name}: depends_on {dependency} condition is None"]
    problems = []
    steps = one_shot_steps(services)
    for dep, condition in conditions.items():
        if dependency is not None and dep != dependency:
            continue
        if dep in steps and condition == "service_completed_successfully":
            continue
        if condition != "service_healthy":
            problems.append(f"{name}: depends_on {dep} condition is {condition!r}")
        elif healthcheck(dep, services.get(dep) or {}):
            problems.append(f"{name}: depends_on {dep} condition service_healthy, but {dep} has no healthcheck")
    return problems


_FIXES = {
    healthcheck: "add healthcheck: test, interval, timeout, retries",
    restart: "add restart: unless-stopped",
    limits: "add deploy.resources.limits with cpus and memory",
    loopback_ports: "publish as \"127.0.0.1:HOST:CONTAINER\"",
}


# Which rules apply to which category (stack_reader.kinds): the TSE-0001.3a criterion asks resource limits of the
# Redis and PostgreSQL services it names; health checks and healthy dependencies of those and of the application
# services; restart policies, loopback ports and the stack's network of every long-running service. An exporter or
# a third-party tool (Grafana, Jaeger, a collector) is held to the last three only.
_EVERY = ("restart", "ports", "network")
RULES_BY_CATEGORY = {
    "redis": ("healthcheck", "limits", "depends_on", *_EVERY),
    "postgres": ("healthcheck", "limits", "depends_on", *_EVERY),
    "application": ("healthcheck", "depends_on", *_EVERY),
    "prometheus": _EVERY, "exporter": _EVERY, "third-party": _EVERY, "unknown": _EVERY,
    "one-shot": ("depends_on",),  # runs once and exits: no healthcheck, restart policy, limits or network to ask for
}
_RULE_NAMES = {healthcheck: "healthcheck", restart: "restart", limits: "limits", loopback_ports: "ports"}


def check(layout: StackLayout) -> list[Finding]:
    networks, services = layout.compose.doc.get("networks") or {}, layout.compose.doc["services"]
    findings = []
    steps = one_shot_steps(services)
    for service in layout.services.values():
        raw = service.raw
        applies = RULES_BY_CATEGORY["one-shot" if service.name in steps else service.kind]
        for rule, fix in _FIXES.items():
            if _RULE_NAMES[rule] not in applies or (rule is loopback_ports and not raw.get("ports")):
                continue  # a service nobody reaches from the host need not publish
            findings.extend(_finding(service, problem, fix, _key(rule)) for problem in rule(service.name, raw))
        if "network" in applies:
            findings.extend(_finding(service, p, "attach it to the stack's declared network", "networks")
                            for p in network(service.name, raw, networks))
        if "depends_on" in applies:
            findings.extend(_finding(service, p, "depends_on: {dependency: {condition: service_healthy}}", "depends_on")
                            for p in depends_healthy(service.name, raw, services))
    return findings


def _key(rule) -> str:
    return {healthcheck: "healthcheck", restart: "restart", limits: "deploy", loopback_ports: "ports"}[rule]


def _finding(service: Service, problem: str, fix: str, key: str) -> Finding:
    location = f"{where(service.compose.path, service.line(key) or service.line())} (service {service.name})"
    return Finding(CHECK, ERROR, location, problem.split(": ", 1)[-1], fix)
