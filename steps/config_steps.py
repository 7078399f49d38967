"""Sentences about the configuration API: typed values per service and environment."""
from __future__ import annotations

import json

import httpx
from pytest_bdd import given, parsers, then, when

from steps.probes.registry_client import RegistryClient, RegistryStorage, ScenarioNames


def _literal(text: str) -> object:
    """A value as written in the feature: JSON, so 100, 0.5, true and "30s" keep their types."""
    return json.loads(text)


@given(parsers.parse('"{service}" has "{key}" set to {value} as {type} in "{environment}"'))
@when(parsers.parse('"{service}" has "{key}" set to {value} as {type} in "{environment}"'))
def has_value(registry: RegistryClient, service_names: ScenarioNames, service: str, key: str, value: str, type: str,
              environment: str):
    reply = registry.set_config(service_names.of(service), key, environment, {"value": _literal(value), "type": type})
    assert reply.status_code == 200, f"setting {key} in {environment}: {reply.status_code} {reply.text}"


@when(parsers.parse('"{service}" writes {body} to "{target}" in "{environment}"'), target_fixture="registry_reply")
def writes(registry: RegistryClient, service_names: ScenarioNames, service: str, body: str, target: str,
           environment: str) -> httpx.Response:
    return registry.set_config(service_names.of(service), target, environment, json.loads(body))


def _read(registry: RegistryClient, service_names: ScenarioNames, service: str, key: str, environment: str) -> dict:
    reply = registry.get_config(service_names.of(service), key, environment)
    assert reply.status_code == 200, f"reading {key} in {environment}: {reply.status_code} {reply.text}"
    return reply.json()


@given(parsers.parse('"{service}" reads "{key}" in "{environment}" as {value} from "{source}"'))
@then(parsers.parse('"{service}" reads "{key}" in "{environment}" as {value} from "{source}"'))
def reads(registry: RegistryClient, service_names: ScenarioNames, service: str, key: str, environment: str, value: str,
          source: str):
    entry = _read(registry, service_names, service, key, environment)
    assert (entry["value"], entry["source_environment"]) == (_literal(value), source), entry


@given(parsers.parse('"{service}" reads "{key}" in "{environment}" as {value} from "{source}" at version {version:d}'))
@then(parsers.parse('"{service}" reads "{key}" in "{environment}" as {value} from "{source}" at version {version:d}'))
def reads_version(registry: RegistryClient, service_names: ScenarioNames, service: str, key: str, environment: str,
                  value: str, source: str, version: int):
    entry = _read(registry, service_names, service, key, environment)
    assert (entry["value"], entry["source_environment"], entry["version"]) == (_literal(value), source, version), entry


@then(parsers.parse('Redis stores "{key}" of "{service}" in "{environment}" as {value} of type {type}'))
def redis_stores(registry_storage: RegistryStorage, service_names: ScenarioNames, key: str, service: str,
                 environment: str, value: str, type: str):
    stored = registry_storage.config_field(service_names.of(service), environment, key)
    assert stored is not None, f"no field {key} in config:{service_names.of(service)}:{environment}"
    assert (stored["value"], stored["type"]) == (_literal(value), type), stored
    assert isinstance(stored.get("version"), int) and stored.get("updated_at"), stored
