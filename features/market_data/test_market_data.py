"""Scenarios of the market-data simulator's domain behaviour (TSE-0001.5, 4.3, 3b scenario simulation, 13a)."""
from pytest_bdd import scenarios

scenarios("market_data")
