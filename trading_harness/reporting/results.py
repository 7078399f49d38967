"""Scenario outcomes of one run, gathered from pytest's reports (local or sent by xdist workers)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from trading_harness.masking import mask

REPORT_ATTR = "harness"  # the dict a report carries; xdist serialises it with the report
MESSAGE_LIMIT = 2000


@dataclass
class Result:
    """What happened to one collected scenario (one pytest item)."""

    nodeid: str
    key: str
    outcome: str = "not run"  # passed, failed, error, skipped
    duration: float = 0.0  # the call phase: the scenario's steps
    steps: list[dict] = field(default_factory=list)  # name, keyword, failed, duration (pytest-bdd)
    message: str = ""
    allure_uuid: str | None = None
    worker: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class RunResults:
    """Outcome per nodeid; every phase report of an item folds into one Result."""

    def __init__(self) -> None:
        self.by_nodeid: dict[str, Result] = {}
        self.duplicates: list[str] = []

    def add(self, report) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if not isinstance(data, dict) or "key" not in data:
            return  # not a scenario of the features
        result = self.by_nodeid.setdefault(report.nodeid, Result(report.nodeid, data["key"]))
        result.worker = data.get("worker") or result.worker
        if data.get("allure_uuid"):
            result.allure_uuid = data["allure_uuid"]
        if report.when == "setup":
            if result.outcome != "not run":
                self.duplicates.append(report.nodeid)  # the same item reported twice
            result.outcome = _phase_outcome(report, "error")
        elif report.when == "call":
            result.duration = report.duration
            result.steps = data.get("steps") or []
            result.outcome = _phase_outcome(report, "failed")
        elif report.when == "teardown" and report.failed and result.outcome in ("passed", "skipped"):
            result.outcome = "error"
        if report.failed and not result.message:
            result.message = mask(_short(report))[:MESSAGE_LIMIT]

    @property
    def results(self) -> list[Result]:
        return list(self.by_nodeid.values())


def _phase_outcome(report, failed_as: str) -> str:
    if report.failed:
        return failed_as
    if report.skipped:
        return "skipped"
    return "passed"


def _short(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message
    return str(report.longrepr or "").strip().splitlines()[-1] if report.longrepr else ""
