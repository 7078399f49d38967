"""What the embedded target runs of a stack: each service itself, a reference simulator in its place, or nothing.

A service runs as itself when a local runner can start it (stack_reader.kinds: Redis, PostgreSQL,
Prometheus, `python -m` of a module this checkout holds, a `sh` step). An application service that
cannot (a Go binary built from a sibling folder, a shell script on alpine) runs as the reference
simulator of its domain when simulators/ has one; any other service is left out, and the scenarios
that need it are skipped with the reason (ServiceAbsent).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path

from trading_harness.definition import PortMapping, ServiceSpec, StackDefinition
from trading_harness.paths import project_root
from trading_harness.stack_reader.connections import SCHEMES
from trading_harness.stack_reader.kinds import APPLICATION

# Reference simulator (simulators.<module>) -> the service domains (stack_reader.contract.domain_of) it stands in for.
SIMULATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("registry", ("registry", "service_registry", "config")),
    ("exchange", ("exchange",)),
    ("custodian", ("custodian",)),
    ("market_data", ("market_data",)),
    ("audit_correlator", ("audit_correlator", "audit")),
    ("risk_monitor", ("risk_monitor", "risk")),
    ("strategy_engine", ("strategy_engine", "trading_strategy_engine", "trading_system_engine", "trading_engine",
                         "trading")),
    ("test_coordinator", ("test_coordinator", "test_coordination")),
)
SIMULATOR_HEALTH = {"registry": "/health"}  # the others serve /api/v1/health
LOOPBACK = "127.0.0.1"
AUDIT_PORTS = (8090, 18090, 28090)  # a stand-in serves the reference audit/control API on the first free one
# The peers a reference simulator calls: variable -> (the peer's simulator, "http" or "audit").
PEERS = {
    "EXCHANGE_URL": ("exchange", "http"), "EXCHANGE_AUDIT_URL": ("exchange", "audit"),
    "CUSTODIAN_URL": ("custodian", "http"), "CUSTODIAN_AUDIT_URL": ("custodian", "audit"),
    "MARKET_DATA_AUDIT_URL": ("market_data", "audit"), "STRATEGY_ENGINE_URL": ("strategy_engine", "http"),
    "STRATEGY_AUDIT_URL": ("strategy_engine", "audit"), "RISK_MONITOR_AUDIT_URL": ("risk_monitor", "audit"),
    "AUDIT_CORRELATOR_URL": ("audit_correlator", "http"),
}
NEEDS = {  # the peer variables each reference simulator refuses to start without
    "strategy_engine": ("EXCHANGE_URL", "EXCHANGE_AUDIT_URL"),
    "risk_monitor": ("EXCHANGE_URL", "CUSTODIAN_URL", "STRATEGY_ENGINE_URL", "AUDIT_CORRELATOR_URL"),
    "test_coordinator": ("MARKET_DATA_AUDIT_URL", "EXCHANGE_AUDIT_URL", "CUSTODIAN_AUDIT_URL", "STRATEGY_AUDIT_URL",
                         "RISK_MONITOR_AUDIT_URL", "AUDIT_CORRELATOR_URL"),
}
NAMED_PEERS = {"MARKET_DATA_SERVICE": "market_data", "CUSTODIAN_SERVICE": "custodian"}  # peers found by service name


@dataclass(frozen=True)
class LocalPlan:
    run: dict[str, ServiceSpec]   # what starts, in compose order; depends_on narrowed to what runs
    stand_ins: dict[str, str]     # service -> "simulators.<module>" running in its place
    left_out: dict[str, str]      # service -> why it does not run on the embedded target

    def notes(self) -> list[str]:
        """One line per service that does not run as itself, for the run header and the living docs."""
        return ([f"{name}: the reference simulator {module} stands in (the stack's own cannot run locally)"
                 for name, module in self.stand_ins.items()] +
                [f"{name}: left out ({why}); its scenarios are skipped" for name, why in self.left_out.items()])


def simulator_for(domain: str | None) -> str | None:
    """The reference simulator module that covers a service domain, None when simulators/ has none."""
    return next((module for module, domains in SIMULATORS if domain in domains), None) if domain else None


def why_not_local(spec: ServiceSpec) -> str | None:
    """Why no local runner can start the service as written (None when one can)."""
    kind = spec.kind
    if kind == "python":
        module = spec.command[2]
        if not _module_here(module):
            return f"runs python -m {module}, which this checkout does not hold"
        return None
    if kind is not None:
        return None
    what = spec.classification.what
    if spec.image:
        source = f"image {spec.image}"
    elif spec.build:
        source = f"built from {spec.build.get('dockerfile', 'Dockerfile')} in {spec.build.get('context', '.')}"
    else:
        source = "no image"
    command = f", command {' '.join(spec.command)}" if spec.command else ""
    return f"{what}: {source}{command}; no local runner starts it"


def plan(definition: StackDefinition) -> LocalPlan:
    run, stand_ins, left_out = {}, {}, {}
    for name, spec in definition.services.items():
        reason = why_not_local(spec)
        if reason is None:
            run[name] = spec
            continue
        module = simulator_for(spec.domain) if spec.category == APPLICATION else None
        if module and _module_here(f"simulators.{module}"):
            run[name] = stand_in(spec, module, definition)
            stand_ins[name] = module
        else:
            left_out[name] = reason
    _wire_peers(run, stand_ins, left_out)
    stand_ins = {n: f"simulators.{m}" for n, m in stand_ins.items()}
    narrowed = {n: replace(s, depends_on=[d for d in s.depends_on if d not in left_out],
                           conditions={d: c for d, c in s.conditions.items() if d not in left_out})
                for n, s in run.items()}
    return LocalPlan(narrowed, stand_ins, left_out)


def stand_in(spec: ServiceSpec, module: str, definition: StackDefinition) -> ServiceSpec:
    """The service as the reference simulator `module` runs it: same name, ports and identity; its Redis and
    PostgreSQL URLs, namespace and schema as the reference simulators read them."""
    env = dict(spec.environment)
    for variable, system in (("REDIS_URL", "redis"), ("POSTGRES_URL", "postgres")):
        if variable not in env and (url := _first_url(env, system)):
            env[variable] = url
    domain = definition.profile.domain_of_service(spec.name)
    if domain is not None:
        if domain.namespace:
            env.setdefault("CACHE_NAMESPACE", domain.namespace)
        if domain.schema:
            env.setdefault("POSTGRES_SCHEMA", domain.schema)
    if "REGISTRY_URL" not in env and env.get("CONFIG_SERVICE_URL"):
        env["REGISTRY_URL"] = env["CONFIG_SERVICE_URL"]
    env.setdefault("SERVICE_NAME", spec.name)
    ports = list(spec.ports)
    grpc = env.get("GRPC_PORT", "")
    if grpc.isdigit() and int(grpc) not in spec.container_ports:
        ports.append(PortMapping(LOOPBACK, 0, int(grpc)))  # declared, not published: a local port all the same
    if not env.get("AUDIT_PORT"):
        taken = {p.container_port for p in ports} | {int(v) for k in ("HTTP_PORT", "GRPC_PORT")
                                                    if (v := env.get(k, "")).isdigit()}
        audit = next(p for p in AUDIT_PORTS if p not in taken)
        env["AUDIT_PORT"] = str(audit)
        ports.append(PortMapping(LOOPBACK, 0, audit))
    return replace(spec, command=["python", "-m", f"simulators.{module}"], entrypoint=[], environment=env,
                   labels={**spec.labels, "harness.health": SIMULATOR_HEALTH.get(module, "/api/v1/health")},
                   ports=ports, has_build=True, image=None)


def _module_of(spec: ServiceSpec, stand_ins: dict[str, str]) -> str | None:
    if spec.name in stand_ins:
        return stand_ins[spec.name]
    command = spec.command
    return command[2].split(".", 1)[1] if command[:2] == ["python", "-m"] and command[2:3] and \
        command[2].startswith("simulators.") else None


def _wire_peers(run: dict[str, ServiceSpec], stand_ins: dict[str, str], left_out: dict[str, str]) -> None:
    """Give each stand-in the peer URLs its reference simulator needs, from what this run starts; a stand-in
    whose peer does not run is left out, saying which."""
    by_module: dict[str, ServiceSpec] = {}
    for spec in run.values():
        module = _module_of(spec, stand_ins)
        if module and spec.category == APPLICATION and not spec.application.is_instance:
            by_module.setdefault(module, spec)
    for name, module in list(stand_ins.items()):
        spec, env = run[name], dict(run[name].environment)
        for variable, (peer_module, port) in PEERS.items():
            peer = by_module.get(peer_module)
            if variable in env or peer is None:
                continue
            number = peer.audit_port if port == "audit" else (peer.application.http_port if peer.application else None)
            if number:
                env[variable] = f"http://{peer.name}:{number}"
        for variable, peer_module in NAMED_PEERS.items():
            if variable not in env and peer_module in by_module:
                env[variable] = by_module[peer_module].name
        missing = [v for v in NEEDS.get(module, ()) if v not in env]
        if missing:
            del run[name], stand_ins[name]
            left_out[name] = (f"the reference simulator simulators.{module} would stand in, but it needs "
                              f"{', '.join(missing)} and this stack runs no such peer here")
        else:  # started after the peers it needs, as compose's depends_on would
            needed = [by_module[PEERS[v][0]].name for v in NEEDS.get(module, ()) if PEERS[v][0] in by_module]
            run[name] = replace(spec, environment=env,
                                depends_on=list(dict.fromkeys([*spec.depends_on, *(n for n in needed if n != name)])))


def _first_url(env: dict[str, str], system: str) -> str | None:
    for value in env.values():
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if SCHEMES.get(scheme) == system:
            return value
    return None


def _module_here(module: str) -> bool:
    """Whether `python -m module` resolves from the checkout (the embedded target's working directory)."""
    root = project_root()
    path = Path(root, *module.split("."))
    if path.with_suffix(".py").is_file() or (path / "__main__.py").is_file():
        return True
    if (root / module.split(".")[0]).exists():
        return False  # a package of the checkout without that module
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
