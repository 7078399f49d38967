"""Every service's published contract (GET /openapi.json), fuzzed with schemathesis on the embedded stack.

Per service: every documented operation, EXAMPLES generated requests per mode (valid and invalid by
the document), within BUDGET seconds. Passes when no answer is >= 500, every answer conforms to the
document (status, content type, schema; invalid data refused) and no rejected request changed
PostgreSQL or Redis (tests/footprint.py). The same fuzz against a deliberately broken service must
report its 5xx, and its write on a rejected request.
"""
from __future__ import annotations

import httpx
import pytest

from trading_harness.definition import StackDefinition
from trading_harness.targets.embedded import EmbeddedStack

from . import variants
from .contracts import fuzz
from .footprint import Footprint

SIMULATORS = ("exchange-simulator", "custodian-simulator", "market-data-simulator", "audit-correlator")
SERVICES = (*SIMULATORS, "service-registry")
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


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_every_service_publishes_an_openapi_document(fuzz_stack, service):
    stack, _ = fuzz_stack
    document = httpx.get(f"{stack.http_url(service)}/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3."), document
    assert "/openapi.json" in document["paths"] and len(document["paths"]) > 3, sorted(document["paths"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert any(status.startswith(("2", "3")) for status in operation["responses"]), (method, path)


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_fuzzed_contract_gives_no_5xx_and_rejected_requests_write_nothing(fuzz_stack, service):
    stack, footprint = fuzz_stack
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
