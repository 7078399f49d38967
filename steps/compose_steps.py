"""Sentences about the Docker Compose definition of the stack."""
from __future__ import annotations

import ipaddress
import re

from pytest_bdd import given, parsers, then

from steps.probes.compose_file import ComposeFile
from trading_harness.definition import StackDefinition
from trading_harness.errors import ServiceAbsent
from trading_harness.lint import compose as rules


@given("the compose file of the stack", target_fixture="compose")
def compose_file(stack_definition: StackDefinition) -> ComposeFile:
    return ComposeFile(stack_definition.compose_file, stack_definition.profile)


@then(parsers.parse('service "{name}" has a healthcheck'))
def has_healthcheck(compose: ComposeFile, name: str):
    problems = rules.healthcheck(name, compose.service(name))
    assert not problems, "; ".join(problems)


@then(parsers.parse('service "{name}" restarts on failure'))
def restarts(compose: ComposeFile, name: str):
    problems = rules.restart(name, compose.service(name))
    assert not problems, "; ".join(problems)


@then(parsers.parse('service "{name}" has CPU and memory limits'))
def has_limits(compose: ComposeFile, name: str):
    problems = rules.limits(name, compose.service(name))
    assert not problems, "; ".join(problems)


@then(parsers.parse('service "{name}" publishes its ports on 127.0.0.1 only'))
def ports_on_loopback(compose: ComposeFile, name: str):
    problems = rules.loopback_ports(name, compose.service(name))
    assert not problems, "; ".join(problems)


@then(parsers.parse('service "{name}" has a fixed address in the subnet of network "{network}"'))
def has_address(compose: ComposeFile, name: str, network: str):
    service = compose.service(name)
    problems = rules.network(name, service, compose.doc.get("networks") or {}, network)
    attached = service.get("networks") or {}
    if not problems and not (isinstance(attached, dict) and (attached.get(network) or {}).get("ipv4_address")):
        problems = [f"{name}: no ipv4_address on {network}"]
    assert not problems, "; ".join(problems)


@then(parsers.parse('network "{network}" uses subnet {subnet}'))
def network_subnet(compose: ComposeFile, network: str, subnet: str):
    configs = (compose.network(network).get("ipam") or {}).get("config") or []
    subnets = [c.get("subnet") for c in configs]
    assert subnet in subnets, f"network {network} subnets: {subnets}"
    assert ipaddress.ip_network(subnet).is_private


@then(parsers.parse('service "{name}" starts only after "{dependency}" is healthy'))
def depends_on_healthy(compose: ComposeFile, name: str, dependency: str):
    dependency = compose.name(dependency)
    problems = rules.depends_healthy(name, compose.service(name), compose.doc.get("services") or {}, dependency)
    assert not problems, "; ".join(problems)


# -- every compose service of a domain (the profile lists them) ------------------------------
def _services_of(stack_definition: StackDefinition, domain: str) -> list[str]:
    """The services of a domain; a stack that has none is skipped for it (the criterion is about services it has)."""
    d = stack_definition.profile.domains.get(domain)
    names = (d.services + d.instances) if d else []
    if not names:
        raise ServiceAbsent(f"the stack declares no service of the {domain} domain (if it does, set "
                            f"[domains.{domain}] services in its profile)")
    return names


EACH_SERVICE = {  # "each service of the <domain> domain <check>": the per-service step it applies
    "has a healthcheck": has_healthcheck,
    "restarts on failure": restarts,
    "has CPU and memory limits": has_limits,
    "publishes its ports on 127.0.0.1 only": ports_on_loopback,
}


@then(parsers.re(r"each service of the (?P<domain>\w+) domain (?P<check>" + "|".join(map(re.escape, EACH_SERVICE)) + ")$"))
def each_service(stack_definition: StackDefinition, compose: ComposeFile, domain: str, check: str):
    for name in _services_of(stack_definition, domain):
        EACH_SERVICE[check](compose, name)


@then(parsers.parse('each service of the {domain} domain has a fixed address in the subnet of network "{network}"'))
def each_has_address(stack_definition: StackDefinition, compose: ComposeFile, domain: str, network: str):
    for name in _services_of(stack_definition, domain):
        has_address(compose, name, network)


@then(parsers.parse('each service of the {domain} domain starts only after "{dependency}" is healthy'))
def each_depends_on_healthy(stack_definition: StackDefinition, compose: ComposeFile, domain: str, dependency: str):
    for name in _services_of(stack_definition, domain):
        depends_on_healthy(compose, name, dependency)
