"""The Python image's wheelhouse holds every third-party distribution that simulators/ imports."""
from __future__ import annotations

import ast
import re
import sys
from importlib import metadata

from trading_harness.images.wheelhouse import DISTRIBUTIONS, requirements

from ..conftest import REPO

HOST_ONLY = {"grpc_tools"}  # compiles the contracts on the host; the image gets the generated modules


def _imported_top_levels() -> set[str]:
    names = set()
    for path in (REPO / "simulators").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_of_the_simulators_is_in_the_wheelhouse():
    providers = metadata.packages_distributions()
    local = {p.name for p in (REPO / "simulators").iterdir()} | {"simulators"}
    third_party = {n for n in _imported_top_levels() - local - HOST_ONLY if n not in sys.stdlib_module_names}
    assert third_party, "no third-party import found: the scan is broken"
    wanted = {_normal(d) for d in DISTRIBUTIONS}
    missing = {name: providers.get(name) for name in third_party
               if not {_normal(d) for d in providers.get(name, [])} & wanted}
    assert not missing, f"simulators/ imports these, but the image's wheelhouse lacks them: {missing}"


def test_the_requirements_pin_the_host_versions():
    lines = requirements().splitlines()
    assert all("==" in line for line in lines[:len(DISTRIBUTIONS)]), lines
    assert f"redis=={metadata.version('redis')}" in lines
