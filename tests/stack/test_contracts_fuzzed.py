"""Every service's published contracts (GET /openapi.json), fuzzed with schemathesis on the embedded stack.

Two fuzzes per API:
- the footprint fuzz (tests/contracts.py), production APIs: every documented operation, EXAMPLES generated
  requests per mode (valid and invalid by the document), within BUDGET seconds. Passes when no answer is
  >= 500, every answer conforms to the document (status, content type, schema; valid data accepted,
  invalid data refused) and no rejected request changed PostgreSQL or Redis (tests/footprint.py);
- `schemathesis run --checks all` (tests/schemathesis_cli.py), production and audit/control APIs: every
  check, every phase (examples, coverage, fuzzing, stateful), both modes; passes with 0 failures.
  The audit APIs' chaos routes inject faults: they are fuzzed last, on the module's own stacks, which are
  then reset (POST /audit/v1/chaos/reset and the feed's intervals) and must be back at their baseline.
The same fuzz against a deliberately broken service must report its 5xx, and its write on a rejected request.
"""
from __future__ import annotations

import shutil
from decimal import Decimal

import httpx
import pytest

from trading_harness.definition import StackDefinition
from trading_harness.polling import wait_until
from trading_harness.targets.embedded import EmbeddedStack

from .. import schemathesis_cli, variants
from ..conftest import REPO
from ..contracts import fuzz
from ..footprint import Footprint

SIMULATORS = ("exchange-simulator", "custodian-simulator", "market-data-simulator", "audit-correlator")
SERVICES = (*SIMULATORS, "service-registry")
CHAOS = ("trading-strategy-engine", "risk-monitor", "test-coordinator")  # the chaos services (TSE chaos)
EXAMPLES = 12  # per operation and mode
BUDGET = 30.0  # seconds per service; the report says when it was reached
AUDIT = "audit-correlator"
# The services with an audit/control API (AUDIT_PORT), on the stack that runs them
AUDIT_APIS = ("exchange-simulator", "custodian-simulator", "market-data-simulator", "trading-strategy-engine",
              "risk-monitor")
CLI_EXAMPLES = 5  # schemathesis run -n: per operation, phase and mode


@pytest.fixture(scope="module")
def fuzz_stack():
    stack = EmbeddedStack.up(StackDefinition.load(), only=list(SIMULATORS))
    footprint = Footprint(stack, SIMULATORS)
    yield stack, footprint
    footprint.close()
    stack.close()


@pytest.fixture(scope="module")
def chaos_stack(tmp_path_factory):
    """The whole stack, with the strategy engine trading once an hour so the footprint can settle."""
    root = tmp_path_factory.mktemp("fuzz-chaos") / "stack"
    shutil.copytree(REPO / "stack", root)
    variants.env("trading-strategy-engine", STRATEGY_INTERVAL="3600s")(root)
    stack = EmbeddedStack.up(StackDefinition.load(root), only=list(CHAOS))
    footprint = Footprint(stack, (*SIMULATORS, *CHAOS))
    yield stack, footprint
    footprint.close()
    stack.close()


@pytest.fixture
def stack_of(request):
    """The running stack and footprint for one service: the chaos services have their own."""
    return lambda service: request.getfixturevalue("chaos_stack" if service in CHAOS else "fuzz_stack")


def _on_its_stack(services: tuple[str, ...]) -> list:
    """Each service's tests in the xdist group of the module stack it runs on, so that each stack is made once,
    on one worker (split over three workers, both were made on each: 307 worker seconds against 120)."""
    return [pytest.param(service, marks=pytest.mark.xdist_group("fuzz-chaos" if service in CHAOS else "fuzz"))
            for service in services]


def _assert_no_failures(report: schemathesis_cli.CliReport) -> None:
    print(report.summary())
    assert report.cases > 0 and report.complete, f"{report.summary()}\n{report.output[-3000:]}"
    assert not report.failures and not report.errors, \
        f"{report.summary()}\n" + "\n".join([*report.operations, *report.errors]) + "\n" + report.details()


@pytest.mark.slow
@pytest.mark.parametrize("service", _on_its_stack((*SERVICES, *CHAOS)))
def test_every_service_publishes_an_openapi_document(stack_of, service):
    stack, _ = stack_of(service)
    document = httpx.get(f"{stack.http_url(service)}/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3."), document
    assert "/openapi.json" in document["paths"] and len(document["paths"]) > 3, sorted(document["paths"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert any(status.startswith(("2", "3")) for status in operation["responses"]), (method, path)


@pytest.mark.slow
@pytest.mark.parametrize("service", _on_its_stack((*SERVICES, *CHAOS)))
def test_fuzzed_contract_gives_no_5xx_and_rejected_requests_write_nothing(stack_of, service):
    stack, footprint = stack_of(service)
    report = fuzz(service, stack.http_url(service), footprint, examples=EXAMPLES, budget=BUDGET)
    print(report.summary())
    assert report.requests > report.operations, report.summary()
    assert report.server_errors == 0, f"{report.summary()}\n" + "\n".join(report.failures[:20])
    assert not report.failures, f"{report.summary()}\n" + "\n".join(report.failures[:20])


@pytest.mark.slow
@pytest.mark.parametrize("service", _on_its_stack((*SERVICES, *CHAOS)))
def test_every_check_of_schemathesis_passes_on_the_production_api(stack_of, service, tmp_path):
    stack, _ = stack_of(service)
    url = stack.http_url(service)
    try:
        report = schemathesis_cli.run(service, url, tmp_path, examples=CLI_EXAMPLES)
    finally:
        if service == "test-coordinator":  # the fuzz may have run a scenario (a name from GET /api/v1/scenarios)
            httpx.post(f"{url}/api/v1/reset", timeout=30).raise_for_status()
            wait_until(lambda: httpx.get(f"{url}/api/v1/status", timeout=5).json()["state"] == "idle", 30,
                       message="the coordinator to be idle after the fuzz")
    _assert_no_failures(report)


@pytest.mark.slow
@pytest.mark.parametrize("service", _on_its_stack(AUDIT_APIS))
def test_every_audit_api_publishes_its_document(stack_of, service):
    stack, _ = stack_of(service)
    document = httpx.get(f"{stack.audit_url(service)}/openapi.json", timeout=5).json()
    assert {"/audit/v1/chaos", "/audit/v1/chaos/begin", "/audit/v1/chaos/reset"} <= set(document["paths"]), \
        sorted(document["paths"])
    begin = document["paths"]["/audit/v1/chaos/begin"]["post"]
    assert {"415", "422"} <= set(begin["responses"]) and begin["requestBody"]["required"], begin


@pytest.mark.slow
@pytest.mark.parametrize("service", _on_its_stack(AUDIT_APIS))
def test_every_check_of_schemathesis_passes_on_the_audit_api_and_the_stack_resets(stack_of, service, tmp_path):
    """After the production APIs (the chaos routes break them on purpose); the stack is reset and checked."""
    stack, _ = stack_of(service)
    url = stack.audit_url(service)
    noted = _noted(service, url)
    try:
        report = schemathesis_cli.run(f"{service} audit", url, tmp_path, examples=CLI_EXAMPLES)
    finally:
        state = _reset(service, url, noted)
    _assert_no_failures(report)
    assert state["baseline"] is True and state["scenario_id"] is None, state
    assert state["faults"] == [], f"the fuzz left faults switched on: {state['faults']}"
    assert httpx.get(f"{stack.http_url(service)}/api/v1/ready", timeout=5).status_code == 200
    if noted:
        assert _noted(service, url) == noted


def _noted(service: str, url: str) -> dict:
    """What the fuzz may change outside chaos: market data's snapshot interval."""
    if service != "market-data-simulator":
        return {}
    seconds = httpx.get(f"{url}/audit/v1/state", timeout=5).raise_for_status().json()["snapshot_interval_seconds"]
    return {"/audit/v1/snapshots/interval": format(Decimal(repr(seconds)).normalize(), "f")}


def _reset(service: str, url: str, noted: dict) -> dict:
    """Back to normal after the fuzz: what _noted read, then the chaos reset (the feed's pause and interval
    included) and every switchable fault off (PUT /audit/v1/faults). The chaos state afterwards, with "faults"."""
    for path, seconds in noted.items():
        httpx.put(f"{url}{path}", json={"seconds": seconds}, timeout=5).raise_for_status()
    httpx.post(f"{url}/audit/v1/chaos/reset", timeout=5).raise_for_status()
    switchable = httpx.get(f"{url}/audit/v1/faults", timeout=5).raise_for_status().json()["switchable"]
    faults = httpx.put(f"{url}/audit/v1/faults", json={"faults": dict.fromkeys(switchable, False)},
                       timeout=5).raise_for_status().json() if switchable else {"active": []}
    return {**httpx.get(f"{url}/audit/v1/chaos", timeout=5).raise_for_status().json(), "faults": faults["active"]}


BROKEN = {
    # fault -> what the fuzz must report
    "errors-500": "Server error",  # every 4xx answered as a 500
    "record-rejected": "changed the stack",  # a refused event still writes a row
}


@pytest.mark.slow
@pytest.mark.parametrize("fault", BROKEN)
def test_the_fuzz_fails_on_a_broken_service(stack_copy, fault):
    root = stack_copy()
    variants.fault(AUDIT, fault)(root)
    stack = EmbeddedStack.up(StackDefinition.load(root), only=[AUDIT])
    footprint = Footprint(stack, (AUDIT,))
    try:
        report = fuzz(AUDIT, stack.http_url(AUDIT), footprint, examples=5, budget=BUDGET)
    finally:
        footprint.close()
        stack.close()
    print(report.summary())
    assert any(BROKEN[fault] in failure for failure in report.failures), report.summary()
    if fault == "errors-500":
        assert report.server_errors > 0, report.summary()
