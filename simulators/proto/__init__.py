"""gRPC contracts of the simulators: the .proto files here, compiled by the build (setup.py).

Import generated modules through `load`, which names the fix when the build has not run.
"""
from __future__ import annotations

import importlib
from types import ModuleType

SERVICES = ("market_data", "exchange", "custodian", "audit")


def load(name: str) -> tuple[ModuleType, ModuleType]:
    """The (messages, stubs) modules generated from <name>.proto."""
    try:
        return (importlib.import_module(f"simulators.proto.{name}_pb2"),
                importlib.import_module(f"simulators.proto.{name}_pb2_grpc"))
    except ModuleNotFoundError as exc:
        raise RuntimeError(f"the gRPC code for {name}.proto has not been generated ({exc}); "
                           f"run ./setup.sh or `pip install -e .`, which compile simulators/proto/*.proto") from None
