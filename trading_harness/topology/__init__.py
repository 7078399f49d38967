"""The stack's topology (TSE-0002): nodes and connection edges generated from the compose file."""
from trading_harness.topology.generate import generate, render
from trading_harness.topology.schema import validate

__all__ = ["generate", "render", "validate"]
