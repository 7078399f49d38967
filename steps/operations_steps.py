"""Sentences about the infrastructure management commands, run as an operator runs them."""
from __future__ import annotations

import uuid

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.harness_command import CommandResult
from steps.probes.operated_stack import OperatedStack
from trading_harness.definition import StackDefinition
from trading_harness.polling import wait_until

VALIDATE_SELECTION = ("-k", "healthcheck_user_can_ping", "-p", "no:cacheprovider", "--gate-allow-incomplete")


@pytest.fixture(scope="session")
def operated_stack(stack_definition: StackDefinition):
    """A stack that the scenarios drive through `harness` in a temp state dir; cleaned at the end."""
    operated = OperatedStack(stack_definition)
    yield operated
    operated.close()


@given("no stack runs in the operator's state directory")
def nothing_runs(operated_stack: OperatedStack, evidence):
    if operated_stack.state.daemon_pid():
        operated_stack.run("clean", evidence=evidence)
    assert not operated_stack.running


@given('a stack started with "harness start"')
def started(operated_stack: OperatedStack, evidence):
    if not operated_stack.running:
        result = operated_stack.run("start", evidence=evidence)
        assert result.returncode == 0, result.describe()
    stack = operated_stack.attached()
    for name in operated_stack.services():
        if not stack.is_running(name):  # an earlier scenario stopped it
            stack.start(name)


@given("a marker row in PostgreSQL and a marker key in Redis", target_fixture="marker")
def marker(operated_stack: OperatedStack) -> str:
    token = uuid.uuid4().hex
    operated_stack.write_marker(token)
    return token


@when(parsers.parse('service "{service}" of that stack is stopped'))
def stop_one(operated_stack: OperatedStack, service: str):
    operated_stack.attached().stop(service)


@when(parsers.parse('the operator runs "harness {command}"'), target_fixture="command")
def operator_runs(operated_stack: OperatedStack, command: str, evidence) -> CommandResult:
    if command in ("stop", "clean", "restart") and operated_stack.running:
        operated_stack.attached()  # remember where every service listened
    return operated_stack.run(*command.split(), evidence=evidence)


@when("the operator runs \"harness validate\" on the health-check scenarios", target_fixture="command")
def operator_validates(operated_stack: OperatedStack, tmp_path, evidence) -> CommandResult:
    reports = tmp_path / "validate-reports"
    return operated_stack.run("validate", *VALIDATE_SELECTION, f"--reports-dir={reports}",
                              f"--alluredir={reports / 'allure'}", f"--cucumberjson={reports / 'cucumber.json'}",
                              evidence=evidence)


@then(parsers.parse("the command exits {code:d}"))
def exits(command: CommandResult, code: int):
    assert command.returncode == code, command.describe()


@then("the command exits non-zero")
def exits_non_zero(command: CommandResult):
    assert command.returncode != 0, command.describe()


@then("it prints every service with its loopback address")
def prints_addresses(operated_stack: OperatedStack, command: CommandResult):
    stack = operated_stack.attached()
    for name in operated_stack.services():
        address = stack.address(name)
        lines = [line for line in command.stdout.splitlines() if line.split()[:1] == [name]]
        assert lines and f"127.0.0.1:{address.port}" in lines[0], f"{name} at {address}:\n{command.describe()}"


@then("every service of that stack answers its health check")
def all_healthy(operated_stack: OperatedStack):
    unhealthy = operated_stack.unhealthy()
    assert not unhealthy, f"unhealthy: {unhealthy}"


@then(parsers.parse('status shows "{service}" stopped and every other service running'))
def status_shows(operated_stack: OperatedStack, command: CommandResult, service: str):
    states = {line.split()[0]: line.split()[1] for line in command.stdout.splitlines()[1:] if line.split()}
    expected = {name: "stopped" if name == service else "running" for name in operated_stack.services()}
    assert states == expected, command.describe()


@then(parsers.parse('health lists every service as {verdict}'))
def health_lists_all(operated_stack: OperatedStack, command: CommandResult, verdict: str):
    verdicts = {line.split()[1]: line.split()[0] for line in command.stdout.splitlines() if len(line.split()) > 1}
    assert verdicts == dict.fromkeys(operated_stack.services(), verdict), command.describe()


@then(parsers.parse('health lists "{service}" as FAIL and every other service as OK'))
def health_lists_failure(operated_stack: OperatedStack, command: CommandResult, service: str):
    verdicts = {line.split()[1]: line.split()[0] for line in command.stdout.splitlines() if len(line.split()) > 1}
    expected = {name: "FAIL" if name == service else "OK" for name in operated_stack.services()}
    assert verdicts == expected, command.describe()


@then("the logs have a section for every service")
def logs_of_every_service(operated_stack: OperatedStack, command: CommandResult):
    sections = [line[4:-4] for line in command.stdout.splitlines() if line.startswith("--- ") and line.endswith(" ---")]
    assert sections == operated_stack.services(), command.describe()


@then(parsers.parse('the logs are those of "{service}" only, with its start-up line "{line}"'))
def logs_of_one(command: CommandResult, service: str, line: str):
    sections = [text[4:-4] for text in command.stdout.splitlines() if text.startswith("--- ") and text.endswith(" ---")]
    assert sections == [service], command.describe()
    assert line in command.stdout, command.describe()


@then("no process of that stack runs")
def nothing_left(operated_stack: OperatedStack):
    wait_until(lambda: not operated_stack.state.daemon_pid() and not operated_stack.listening(), 30,
               message="every service of the stack to stop")


@then("the marker row and the marker key are there")
def marker_kept(operated_stack: OperatedStack, marker: str):
    rows, key = operated_stack.read_marker()
    assert marker in rows, f"PostgreSQL lost the marker row: {rows}"
    assert key == marker, f"Redis lost the marker key: {key!r}"


@then("the marker row and the marker key are gone")
def marker_gone(operated_stack: OperatedStack, marker: str):
    rows, key = operated_stack.read_marker()
    assert marker not in rows and key is None, f"data survived: rows {rows}, key {key!r}"


@then("the state directory holds no data")
def no_data(operated_stack: OperatedStack):
    assert not operated_stack.state.data.exists(), f"{operated_stack.state.data} still exists"
