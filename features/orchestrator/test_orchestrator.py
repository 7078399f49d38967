"""Every scenario of the orchestrator's features."""
from pytest_bdd import scenarios

scenarios("orchestrator")
