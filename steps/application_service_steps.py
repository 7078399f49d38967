"""Sentences about every application service the stack declares, whatever it is called."""
from __future__ import annotations

from pytest_bdd import parsers, then, when

from steps.probes import service_contract as contract
from steps.probes import service_credentials as credentials
from steps.probes.application_services import application_services, each_service
from steps.probes.service_probe import ServiceProbe
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack


@then("every application service answers /api/v1/health with 200, status healthy, its name and its version")
def every_healthy(stack: Stack, evidence: Evidence, service_probe: ServiceProbe):
    each_service(stack, evidence, "answer their health check",
                 lambda service: contract.healthy(service_probe, stack, service))


@then("every application service answers /api/v1/ready with 200 and ready true")
def every_ready(stack: Stack, evidence: Evidence, service_probe: ServiceProbe):
    each_service(stack, evidence, "answer that they are ready",
                 lambda service: contract.ready(service_probe, stack, service, stack.timing.readiness_deadline))


@then("every application service serves Prometheus text at /metrics or /api/v1/metrics")
def every_metrics(stack: Stack, evidence: Evidence, service_probe: ServiceProbe):
    each_service(stack, evidence, "serve Prometheus metrics", lambda service: contract.serves_metrics(service_probe, service))


@then("every application service asked for JSON logs logs one JSON object with a level per line")
def every_structured(stack: Stack, evidence: Evidence):
    each_service(stack, evidence, "log structured JSON lines", lambda service: contract.structured(stack, service))


@then("no application service logged an error line")
def every_clean(stack: Stack, evidence: Evidence):
    each_service(stack, evidence, "keep a clean log", lambda service: contract.clean(stack, service))


@when(parsers.parse("every application service receives SIGTERM, each exits with code 0 within {seconds:d} seconds"))
@then(parsers.parse("every application service receives SIGTERM, each exits with code 0 within {seconds:d} seconds"))
def every_stops(stack: Stack, evidence: Evidence, seconds: int):
    services = application_services(stack)
    exits = contract.exits_on_sigterm(stack, services, seconds)
    each_service(stack, evidence, f"exit 0 within {seconds} s of SIGTERM", lambda service: exits[service].check(seconds),
                 services)


# -- data adapters ---------------------------------------------------------------------------
@then("every application service logs in to PostgreSQL and Redis with its own credentials, never as a superuser, "
      "the default or the admin user")
def every_own_credentials(stack: Stack, evidence: Evidence):
    each_service(stack, evidence, "use their own adapter credentials", lambda service: credentials.own_credentials(stack, service))


@then("the Redis user of every application service may write its own namespace and no key outside it")
def every_namespace(stack: Stack, evidence: Evidence, unique: str):
    each_service(stack, evidence, "keep to their Redis namespace",
                 lambda service: credentials.keeps_to_namespace(stack, service, unique))


@then("the PostgreSQL role of every application service may use its own schema and read its tables")
def every_schema(stack: Stack, evidence: Evidence):
    each_service(stack, evidence, "reach their schema", lambda service: credentials.reaches_schema(stack, service))
