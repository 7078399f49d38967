"""Scenarios of the trading flow (TSE-0001.12b): exchange orders settled at the custodian, seen by the risk monitor."""
from pytest_bdd import scenarios

scenarios("trading_flow")
