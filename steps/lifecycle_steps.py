"""Sentences about bringing services down and up, and about their health."""
from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from trading_harness.errors import ControlUnsupported
from trading_harness.polling import wait_until
from trading_harness.targets import health
from trading_harness.targets.stack import Stack


@given(parsers.parse("the {service} service is healthy"))
@then(parsers.parse("the {service} service is healthy"))
def service_is_healthy(stack: Stack, service: str):
    service = stack.definition.profile.service(service)
    stack.address(service)  # a service the deployment lacks skips the scenario instead of timing out
    wait_until(lambda: health.check(stack, service).ok, stack.timing.ready_timeout,
               message=f"{service} health check")


@when(parsers.parse("the {service} service is stopped"))
def service_is_stopped(stack: Stack, service: str):
    service = stack.definition.profile.service(service)
    try:
        stack.stop(service)
    except ControlUnsupported as exc:
        pytest.skip(str(exc))


@when(parsers.parse("the {service} service is started"))
def service_is_started(stack: Stack, service: str):
    service = stack.definition.profile.service(service)
    stack.start(service)


@then(parsers.parse("the {service} health check fails"))
def health_check_fails(stack: Stack, service: str):
    service = stack.definition.profile.service(service)
    stack.address(service)
    wait_until(lambda: not health.check(stack, service).ok, stack.timing.ready_timeout,
               message=f"{service} health check to fail after the stop")
