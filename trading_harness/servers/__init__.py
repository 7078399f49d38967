"""Local servers of the embedded stack: one class per kind, each with one wait strategy.

The classes load on first use (PEP 562), so that importing a light module of the package (ports, processes)
does not import the clients of every server (redis, psycopg): the `harness` commands start faster."""
from __future__ import annotations

import importlib

_CLASSES = {"LocalServer": "base", "PostgresServer": "postgres", "PrometheusServer": "prometheus",
            "PythonService": "python_service", "RedisServer": "redis", "ScriptStep": "script"}

__all__ = sorted(_CLASSES)


def __getattr__(name: str):
    if name not in _CLASSES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
