"""Every scenario of the service registry's features (TSE-0001.3a items 4 and 6)."""
from pytest_bdd import scenarios

scenarios("service_registry")
