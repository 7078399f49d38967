"""The JSON Schema of topology.json (topology.schema.json, shipped with the engine) and the checks beyond it."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

from trading_harness.errors import HarnessError

SCHEMA_PATH = Path(__file__).with_name("topology.schema.json")


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def problems(topology: object) -> list[str]:
    """Every way `topology` breaks the schema or its own references (unknown nodes, duplicate ids)."""
    validator = jsonschema.Draft202012Validator(schema())
    found = [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
             for error in sorted(validator.iter_errors(topology), key=lambda e: list(map(str, e.absolute_path)))]
    if found:
        return found
    ids = [node["id"] for node in topology["nodes"]]
    found += [f"node {node} appears more than once" for node in sorted({i for i in ids if ids.count(i) > 1})]
    edge_ids = [edge["id"] for edge in topology["edges"]]
    found += [f"edge {edge} appears more than once" for edge in sorted({i for i in edge_ids if edge_ids.count(i) > 1})]
    for edge in topology["edges"]:
        found += [f"edge {edge['id']}: {end} {edge[end]} is not a node" for end in ("source", "target")
                  if edge[end] not in ids]
    return found


def validate(topology: object) -> None:
    """Raise one readable HarnessError when `topology` is not a valid topology document."""
    found = problems(topology)
    if found:
        raise HarnessError(f"the topology is not valid ({len(found)} problem(s)): {'; '.join(found[:5])}")
