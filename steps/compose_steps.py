"""Sentences about the Docker Compose definition of the stack."""
from __future__ import annotations

import ipaddress

from pytest_bdd import given, parsers, then

from steps.probes.compose_file import ComposeFile
from trading_harness.definition import StackDefinition
from trading_harness.lint import compose as rules


@given("the compose file of the stack", target_fixture="compose")
def compose_file(stack_definition: StackDefinition) -> ComposeFile:
    return ComposeFile(stack_definition.compose_file)


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


@then(parsers.parse('service "{name}" has address {address} on network "{network}"'))
def has_address(compose: ComposeFile, name: str, address: str, network: str):
    problems = rules.network(name, compose.service(name), compose.doc.get("networks") or {}, network, address)
    assert not problems, "; ".join(problems)


@then(parsers.parse('network "{network}" uses subnet {subnet}'))
def network_subnet(compose: ComposeFile, network: str, subnet: str):
    configs = (compose.network(network).get("ipam") or {}).get("config") or []
    subnets = [c.get("subnet") for c in configs]
    assert subnet in subnets, f"network {network} subnets: {subnets}"
    assert ipaddress.ip_network(subnet).is_private


@then(parsers.parse('service "{name}" starts only after "{dependency}" is healthy'))
def depends_on_healthy(compose: ComposeFile, name: str, dependency: str):
    problems = rules.depends_healthy(name, compose.service(name), compose.doc.get("services") or {}, dependency)
    assert not problems, "; ".join(problems)
