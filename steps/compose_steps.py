"""Sentences about the Docker Compose definition of the stack."""
from __future__ import annotations

import ipaddress

from pytest_bdd import given, parsers, then

from steps.probes.compose_file import ComposeFile
from trading_harness.definition import StackDefinition


@given("the compose file of the stack", target_fixture="compose")
def compose_file(stack_definition: StackDefinition) -> ComposeFile:
    return ComposeFile(stack_definition.compose_file, stack_definition.profile)


@then(parsers.parse('service "{name}" has a healthcheck'))
def has_healthcheck(compose: ComposeFile, name: str):
    check = compose.service(name).get("healthcheck") or {}
    assert check.get("test") and not check.get("disable"), f"{name}: no healthcheck test"
    for key in ("interval", "timeout", "retries"):
        assert key in check, f"{name}: healthcheck has no {key}"


@then(parsers.parse('service "{name}" restarts on failure'))
def restarts(compose: ComposeFile, name: str):
    policy = compose.service(name).get("restart")
    assert policy in ("always", "unless-stopped", "on-failure"), f"{name}: restart policy is {policy!r}"


@then(parsers.parse('service "{name}" has CPU and memory limits'))
def has_limits(compose: ComposeFile, name: str):
    limits = ((compose.service(name).get("deploy") or {}).get("resources") or {}).get("limits") or {}
    assert limits.get("cpus") and limits.get("memory"), f"{name}: deploy.resources.limits is {limits!r}"


@then(parsers.parse('service "{name}" publishes its ports on 127.0.0.1 only'))
def ports_on_loopback(compose: ComposeFile, name: str):
    ports = compose.service(name).get("ports") or []
    assert ports, f"{name}: publishes no port"
    exposed = [p for p in ports if not str(p.get("host_ip") if isinstance(p, dict) else p).startswith("127.0.0.1")]
    assert not exposed, f"{name}: ports not bound to 127.0.0.1: {exposed}"


@then(parsers.parse('service "{name}" has a fixed address in the subnet of network "{network}"'))
def has_address(compose: ComposeFile, name: str, network: str):
    networks = compose.service(name).get("networks") or {}
    assert network in networks, f"{name}: not attached to {network} (attached: {list(networks)})"
    assigned = (networks[network] or {}).get("ipv4_address") if isinstance(networks, dict) else None
    assert assigned, f"{name}: no ipv4_address on {network}"
    subnets = [c.get("subnet") for c in (compose.network(network).get("ipam") or {}).get("config") or []]
    inside = [s for s in subnets if s and ipaddress.ip_address(assigned) in ipaddress.ip_network(s)]
    assert inside, f"{name}: address {assigned} on {network} is outside its subnets {subnets}"


@then(parsers.parse('network "{network}" uses subnet {subnet}'))
def network_subnet(compose: ComposeFile, network: str, subnet: str):
    configs = (compose.network(network).get("ipam") or {}).get("config") or []
    subnets = [c.get("subnet") for c in configs]
    assert subnet in subnets, f"network {network} subnets: {subnets}"
    assert ipaddress.ip_network(subnet).is_private


@then(parsers.parse('service "{name}" starts only after "{dependency}" is healthy'))
def depends_on_healthy(compose: ComposeFile, name: str, dependency: str):
    depends = compose.service(name).get("depends_on") or {}
    dependency = compose.name(dependency)
    condition = (depends.get(dependency) or {}).get("condition") if isinstance(depends, dict) else None
    assert condition == "service_healthy", f"{name}: depends_on {dependency} condition is {condition!r}"


# -- every compose service of a domain (the profile lists them) ------------------------------
def _services_of(stack_definition: StackDefinition, domain: str) -> list[str]:
    d = stack_definition.profile.domain(domain)
    names = d.services + d.instances
    assert names, f"the stack profile names no service of the {domain} domain (set [domains.{domain}] services)"
    return names


@then(parsers.parse("each service of the {domain} domain has a healthcheck"))
def each_has_healthcheck(stack_definition: StackDefinition, compose: ComposeFile, domain: str):
    for name in _services_of(stack_definition, domain):
        has_healthcheck(compose, name)


@then(parsers.parse("each service of the {domain} domain restarts on failure"))
def each_restarts(stack_definition: StackDefinition, compose: ComposeFile, domain: str):
    for name in _services_of(stack_definition, domain):
        restarts(compose, name)


@then(parsers.parse("each service of the {domain} domain has CPU and memory limits"))
def each_has_limits(stack_definition: StackDefinition, compose: ComposeFile, domain: str):
    for name in _services_of(stack_definition, domain):
        has_limits(compose, name)


@then(parsers.parse("each service of the {domain} domain publishes its ports on 127.0.0.1 only"))
def each_on_loopback(stack_definition: StackDefinition, compose: ComposeFile, domain: str):
    for name in _services_of(stack_definition, domain):
        ports_on_loopback(compose, name)


@then(parsers.parse('each service of the {domain} domain has a fixed address in the subnet of network "{network}"'))
def each_has_address(stack_definition: StackDefinition, compose: ComposeFile, domain: str, network: str):
    for name in _services_of(stack_definition, domain):
        has_address(compose, name, network)


@then(parsers.parse('each service of the {domain} domain starts only after "{dependency}" is healthy'))
def each_depends_on_healthy(stack_definition: StackDefinition, compose: ComposeFile, domain: str, dependency: str):
    for name in _services_of(stack_definition, domain):
        depends_on_healthy(compose, name, dependency)
