"""Every service's published contract (GET /openapi.json), fuzzed with schemathesis on the embedded stack.

Per service: every documented operation, EXAMPLES generated requests per mode (valid and invalid by
the document), within BUDGET seconds. Passes when no answer is >= 500, every answer conforms to the
document (status, content type, schema; invalid data refused) and no rejected request changed
PostgreSQL or Redis (tests/footprint.py). The same fuzz against a deliberately broken service must
report its 5xx, and its write on a rejected request.
"""
from __future__ import annotations

import shutil

import httpx
import pytest

from trading_harness.definition import StackDefinition
from trading_harness.targets.embedded import EmbeddedStack

from .. import variants
from ..conftest import REPO
from ..contracts import fuzz
from ..footprint import Footprint

SIMULATORS = ("exchange-simulator", "custodian-simulator", "market-data-simulator", "audit-correlator")
SERVICES = (*SIMULATORS, "service-registry")
CHAOS = ("trading-strategy-engine", "risk-monitor", "test-coordinator")  # the chaos services (TSE chaos)
EXAMPLES = 12  # per operation and mode
BUDGET = 30.0  # seconds per service; the report says when it was reached
AUDIT = "audit-correlator"


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


@pytest.mark.slow
@pytest.mark.parametrize("service", (*SERVICES, *CHAOS))
def test_every_service_publishes_an_openapi_document(stack_of, service):
    stack, _ = stack_of(service)
    document = httpx.get(f"{stack.http_url(service)}/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3."), document
    assert "/openapi.json" in document["paths"] and len(document["paths"]) > 3, sorted(document["paths"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert any(status.startswith(("2", "3")) for status in operation["responses"]), (method, path)


@pytest.mark.slow
@pytest.mark.parametrize("service", (*SERVICES, *CHAOS))
def test_fuzzed_contract_gives_no_5xx_and_rejected_requests_write_nothing(stack_of, service):
    stack, footprint = stack_of(service)
    report = fuzz(service, stack.http_url(service), footprint, examples=EXAMPLES, budget=BUDGET)
    print(report.summary())
    assert report.requests > report.operations, report.summary()
    assert report.server_errors == 0, f"{report.summary()}\n" + "\n".join(report.failures[:20])
    assert not report.failures, f"{report.summary()}\n" + "\n".join(report.failures[:20])


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
