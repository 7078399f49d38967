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
    attempts: int = 1  # pytest-rerunfailures: each failed attempt before the last adds one
    flaky: bool = False  # passed only on a retry
    skip_reason: str = ""  # why it was skipped

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
        if report.outcome == "rerun":  # a failed attempt that pytest-rerunfailures runs again
            result.attempts += 1
            result.outcome, result.message = "not run", mask(_short(report))[:MESSAGE_LIMIT]
            return
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
            result.flaky = result.outcome == "passed" and result.attempts > 1
        elif report.when == "teardown" and report.failed and result.outcome in ("passed", "skipped"):
            result.outcome = "error"
        if report.failed and not result.message:
            result.message = mask(_short(report))[:MESSAGE_LIMIT]
        if report.skipped and not result.skip_reason:
            result.skip_reason = mask(skip_reason(report))[:MESSAGE_LIMIT]

    @property
    def results(self) -> list[Result]:
        return list(self.by_nodeid.values())


def _phase_outcome(report, failed_as: str) -> str:
    if report.failed:
        return failed_as
    if report.skipped:
        return "skipped"
    return "passed"


def skip_reason(report) -> str:
    """The reason pytest gives a skip: the text of its (file, line, 'Skipped: reason') longrepr."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    return text.removeprefix("Skipped: ").strip()


def _short(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message
    return str(report.longrepr or "").strip().splitlines()[-1] if report.longrepr else ""
