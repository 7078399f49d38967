"""Sentences about a simulator as a client sees it: ports, health, gRPC, errors, logs, shutdown."""
from __future__ import annotations

import signal
import socket
from dataclasses import dataclass

import grpc
import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes import service_contract as contract
from steps.probes.grpc_reflection import list_services
from steps.probes.service_probe import Reply, ServiceProbe
from steps.probes.simulator_spec import simulator
from trading_harness.errors import ControlUnsupported
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack


@pytest.fixture
def service_probe(stack: Stack, evidence: Evidence) -> ServiceProbe:
    return ServiceProbe(stack, evidence)


# -- ports and health ----------------------------------------------------------------
@then(parsers.parse("the {service} answers on its HTTP port and on its gRPC port"))
def answers_on_ports(stack: Stack, service_probe: ServiceProbe, service: str):
    for address in (stack.address(service), stack.grpc_address(service)):
        with socket.create_connection((address.host, address.port), timeout=2):
            pass
    assert service_probe.get(service, "/api/v1/health").status_code < 500
    with grpc.insecure_channel(stack.grpc_target(service)) as channel:
        grpc.channel_ready_future(channel).result(timeout=3)


@when(parsers.parse("a client asks the {service} for its health"), target_fixture="reply")
@given(parsers.parse("the {service} has served a health request"), target_fixture="reply")
def asks_health(service_probe: ServiceProbe, service: str) -> Reply:
    return Reply(service, service_probe.get(service, "/api/v1/health"))


@then('the reply is 200 with status "healthy", the service name, version, instance and a timestamp')
def healthy_reply(stack: Stack, reply: Reply):
    spec = simulator(stack, reply.service)
    assert reply.response.status_code == 200, reply.response.text
    body = reply.json
    assert body["status"] == "healthy", body
    assert body["service"] == spec.service_name and body["instance"] == spec.instance, body
    assert body.get("version") and body.get("timestamp"), body


@then(parsers.parse('the reply names the service "{name}" and the instance "{instance}"'))
def reply_names(reply: Reply, name: str, instance: str):
    assert reply.response.status_code == 200, reply.response.text
    assert (reply.json["service"], reply.json["instance"]) == (name, instance), reply.json


@then(parsers.parse("the {service} still answers its REST health check"))
def still_healthy(service_probe: ServiceProbe, service: str):
    reply = service_probe.get(service, "/api/v1/health")
    assert reply.status_code == 200 and reply.json()["status"] == "healthy", reply.text


@given(parsers.parse("the gRPC health check of the {service} answers {status}"))
@then(parsers.parse("the gRPC health check of the {service} answers {status}"))
def grpc_health_is(stack: Stack, service_probe: ServiceProbe, service: str, status: str):
    wait_until(lambda: service_probe.grpc_health(service) == status, stack.timing.readiness_deadline,
               message=f"gRPC health of {service} to be {status}")


@then(parsers.parse("the gRPC health check of the {service} for its domain service answers SERVING"))
def grpc_domain_health(stack: Stack, service_probe: ServiceProbe, service: str):
    domain = [name for name in list_services(stack.grpc_target(service)) if name.startswith("trading.")]
    assert domain, "reflection lists no trading.* service"
    for name in domain:  # the audit correlator serves its topology service beside its domain service
        wait_until(lambda name=name: service_probe.grpc_health(service, name) == "SERVING", stack.timing.readiness_deadline,
                   message=f"gRPC health of {name} to be SERVING")


@then(parsers.parse("the {service} lists its domain service, health and reflection through gRPC reflection"))
def reflection_lists(stack: Stack, evidence: Evidence, service: str):
    names = list_services(stack.grpc_target(service))
    evidence.record("grpc", f"{service} reflection list_services", names)
    assert "grpc.health.v1.Health" in names, names
    assert any(n.startswith("grpc.reflection.") for n in names), names
    assert any(n.startswith("trading.") for n in names), names


# -- bad requests ----------------------------------------------------------------------
BAD_BODIES = {"malformed JSON": b'{"unterminated": ', "a JSON array": b"[1, 2, 3]"}


@when(parsers.re(r"a client posts (?P<body>malformed JSON|a JSON array) to (?P<path>\S+) on the (?P<service>\S+)"),
      target_fixture="reply")
def posts_bad_body(service_probe: ServiceProbe, body: str, path: str, service: str) -> Reply:
    return Reply(service, service_probe.request("POST", service, path, raw=BAD_BODIES[body]))


@when(parsers.parse("a client requests {path} from the {service}"), target_fixture="reply")
def requests_path(service_probe: ServiceProbe, path: str, service: str) -> Reply:
    return Reply(service, service_probe.get(service, path))


@then(parsers.parse('the reply is {status:d} with the JSON error "{code}"'))
def json_error(reply: Reply, status: int, code: str):
    assert reply.response.status_code == status, f"{reply.response.status_code} {reply.response.text}"
    assert reply.response.headers.get("content-type", "").startswith("application/json"), reply.response.headers
    body = reply.json
    assert body.get("error") == code and body.get("message"), body


# -- logs -----------------------------------------------------------------------------
@then(parsers.parse("every line the {service} logged is a JSON object with a timestamp, a level and a message"))
def json_logs(stack: Stack, service: str):
    contract.records_with_time_level_message(stack, service)  # any field names: ts/time/@timestamp, level/severity, ...


@then(parsers.parse("the log of the {service} shows a successful start and no error line"))
def clean_log(stack: Stack, service: str):
    contract.clean(stack, service)


@then(parsers.parse("the log of the {service} contains none of its passwords"))
def no_passwords(stack: Stack, service: str):
    spec = simulator(stack, service)
    assert spec.passwords, f"{service} has no credentials in its URLs to look for"
    text = stack.raw_logs(service, 5000)
    leaked = [p for p in spec.passwords if p in text]
    assert not leaked, f"{service} logged {len(leaked)} of its passwords"


# -- signals ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceExit:
    service: str
    code: int | None  # None: still running at the timeout
    took: float


@when(parsers.parse("the {service} receives SIGTERM"), target_fixture="termination")
def receives_sigterm(stack: Stack, service: str) -> ServiceExit:
    try:
        return ServiceExit(service, *stack.terminate(service, signal.SIGTERM, timeout=10))
    except ControlUnsupported as exc:
        pytest.skip(str(exc))


@when(parsers.parse("the {service} is killed with SIGKILL"), target_fixture="termination")
def killed(stack: Stack, service: str) -> ServiceExit:
    try:
        return ServiceExit(service, *stack.terminate(service, signal.SIGKILL, timeout=5))
    except ControlUnsupported as exc:
        pytest.skip(str(exc))


@then(parsers.parse("it exits with code {code:d} within {seconds:d} seconds"))
def exits_within(stack: Stack, termination: ServiceExit, code: int, seconds: int):
    tail = contract.last_lines(stack, termination.service) if termination.code != code or termination.took > seconds else ""
    assert termination.code is not None, f"still running after {termination.took:.1f}s{tail}"
    assert termination.code == code, f"exit code {termination.code}{tail}"
    assert termination.took <= seconds, f"took {termination.took:.2f}s{tail}"
