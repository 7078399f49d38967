"""Scenarios of the exchange's domain behaviour: accounts, balances, orders (TSE-0001.5a, 5b, 4.2)."""
from pytest_bdd import scenarios

scenarios("exchange")
