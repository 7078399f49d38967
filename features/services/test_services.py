"""Scenarios of the simulators' service contracts (TSE-0001.1a, 3b, 4, 4.2, 4.3, 12.0, 12b)."""
from pytest_bdd import scenarios

scenarios("services")
