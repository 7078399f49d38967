"""Fuzz one service against the OpenAPI document it publishes (schemathesis), with a footprint check.

Every operation of GET /openapi.json gets up to `examples` generated requests per mode (positive:
valid by the document; negative: invalid by it), derandomised so a run is repeatable, within a
time budget per service. Each answer is checked by schemathesis (no 5xx, a documented status,
the documented content type and schema, valid data accepted, invalid data rejected) and, for a rejected request
(>= 400), the stack's footprint (tests/footprint.py) before and after must be the same. The footprint
before is read at once; only when it moved is the stack left to settle and the request sent again.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from trading_harness import http_client

from .footprint import Footprint
from .schemathesis_cli import CONFIG

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, positive_data_acceptance]
TIMEOUT = 5.0


@dataclass
class Report:
    service: str
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    operations: int = 0
    resent: int = 0  # rejected requests sent again on a settled stack (the footprint had moved)
    out_of_time: bool = False

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        classes = Counter(f"{status // 100}xx" for status in self.statuses.elements())
        return (f"{self.service}: {self.operations} operations, {self.requests} requests "
                f"({', '.join(f'{k} {v}' for k, v in sorted(classes.items()))}), {self.resent} sent again, "
                f"{len(self.failures)} failures"
                + (" (time budget reached)" if self.out_of_time else ""))


class RejectedWrites:
    """Whether a rejected request changed the stack's footprint.

    The footprint before is the last one read, read at once after an accepted write. When a rejected
    request's footprint moved and the one before had not settled, the change may be an earlier write's
    background work: the stack is left to settle, the request is sent again, and only what that changed counts.
    """

    def __init__(self, footprint: Footprint):
        self.footprint = footprint
        self.before: tuple | None = None  # None after an accepted write
        self.settled = False  # `before` was read once nothing had moved for a while
        self.resent = 0

    def ready(self) -> None:
        """Before a request: the footprint to compare with."""
        if self.before is None:
            self.before, self.settled = self.footprint.read(), False

    def accepted(self, method: str) -> None:
        if method.upper() != "GET":  # it may have written (and started background work)
            self.before = None

    def changed(self, send: Callable[[], requests.Response], method: str) -> list[str]:
        """What the rejected request changed; `send` sends it again."""
        after = self.footprint.read()
        changed = Footprint.difference(self.before, after)
        if changed and not self.settled:
            self.before, self.settled = self.footprint.settled(), True
            self.resent += 1
            try:
                again = send()
            except requests.RequestException as exc:
                return [f"no answer when sent again on a settled stack: {exc}"]
            if again.status_code < 400:  # accepted this time: nothing left to judge
                self.accepted(method)
                return []
            after = self.footprint.read()
            changed = Footprint.difference(self.before, after)
        self.before = None if changed else after
        return changed


def _headline(failure: BaseException) -> str:
    """A failed check in one line: its title and first detail."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    title = getattr(failure, "title", "") or (lines[0] if lines else type(failure).__name__)
    return " ".join([title, *lines[:2]])[:300]


def fuzz(service: str, base_url: str, footprint: Footprint, *, examples: int = 12, budget: float = 30.0) -> Report:
    """Fuzz every operation `base_url`/openapi.json documents; the Report lists every failure found."""
    document = http_client.get(f"{base_url}/openapi.json", timeout=TIMEOUT).raise_for_status().json()
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_path(CONFIG))
    report, session = Report(service), requests.Session()
    ends = time.monotonic() + budget
    judge = RejectedWrites(footprint)

    def send(case):
        return case.call(base_url=base_url, session=session, timeout=TIMEOUT)

    def exercise(case) -> None:
        if time.monotonic() > ends:
            report.out_of_time = True
            return
        judge.ready()
        label = f"{case.method} {case.formatted_path}"
        try:
            response = send(case)
        except requests.RequestException as exc:
            report.failures.append(f"{label}: no answer: {exc}")
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis: a FailureGroup of the failed checks
            report.failures += [f"{label} -> {response.status_code}: {_headline(failure)}"
                                for failure in getattr(exc, "exceptions", [exc])]
        else:
            if response.status_code >= 500:  # one the contract documents (a 503 of /ready) is named all the same
                report.failures.append(f"{label} -> {response.status_code}: {' '.join(response.text.split())[:300]}")
        if response.status_code < 400:
            judge.accepted(case.method)
            return
        changed = judge.changed(lambda: send(case), case.method)
        if changed:
            report.failures.append(f"{label} -> {response.status_code} (rejected) changed the stack: {'; '.join(changed[:5])}")

    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run = settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                           phases=[Phase.explicit, Phase.generate], verbosity=Verbosity.quiet,
                           suppress_health_check=list(HealthCheck))(given(operation.as_strategy(generation_mode=mode))(exercise))
            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body): no negative case
                pass
    session.close()
    report.resent = judge.resent
    return report
