"""What the harness adds to the Allure results: labels, links, environment, categories, stack timing."""
from __future__ import annotations

import re
from pathlib import Path

import allure_commons
import pytest
from allure_commons.model2 import Parameter, Status, StatusDetails, TestBeforeResult, TestResultContainer
from allure_commons.utils import uuid4

from trading_harness.masking import mask
from trading_harness.reporting.catalogue import Catalogue
from trading_harness.reporting.scenarios import Case

# Exception types (as they start a failure message) that mean the stack or the network failed,
# not the contract: a timeout or refused connection reaching a service, a stack that did not start.
INFRASTRUCTURE_ERRORS = (
    "TimeoutError", "TimeoutException", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout",
    "ConnectError", "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "RemoteProtocolError",
    "OperationalError", "BusyLoadingError", "_InactiveRpcError", "RpcError", "socket.timeout",
)
STACK_ERRORS = ("HarnessError", "StackStartError", "TargetUnreachable", "MissingBinary", "StackConfigError",
                "ControlUnsupported")
CONTRACT_ERRORS = ("AssertionError", "DeadlineExceeded", "Failed")


def _starts_with(names: tuple[str, ...]) -> str:
    return r"\W*([\w.]+\.)?(" + "|".join(re.escape(n) for n in names) + r")\b"


# Allure 2 matches messageRegex against the whole message, and puts a result in every category that matches,
# so the four patterns exclude each other.
STACK_RE = r"(?s)(" + _starts_with(STACK_ERRORS) + r".*|.*stack is not usable.*)"
INFRA_RE = r"(?s)" + _starts_with(INFRASTRUCTURE_ERRORS) + r".*"
CONTRACT_RE = r"(?s)" + _starts_with(CONTRACT_ERRORS) + r".*"
HARNESS_RE = (r"(?s)(?!" + _starts_with(STACK_ERRORS + INFRASTRUCTURE_ERRORS + CONTRACT_ERRORS) + r")"
              r"(?!.*stack is not usable).*")

CATEGORIES = [
    {"name": "Infrastructure: the stack could not start", "matchedStatuses": ["failed", "broken"],
     "messageRegex": STACK_RE},
    {"name": "Infrastructure: timeout or no answer reaching a service", "matchedStatuses": ["failed", "broken"],
     "messageRegex": INFRA_RE},
    {"name": "Product defects: a contract assertion failed", "matchedStatuses": ["failed"],
     "messageRegex": CONTRACT_RE},
    {"name": "Harness defects: an unexpected error in a step", "matchedStatuses": ["broken", "failed"],
     "messageRegex": HARNESS_RE},
]


def category_of(message: str, status: str) -> str | None:
    """The category a message falls in, as Allure will decide it (for tests and the living docs)."""
    found = [c["name"] for c in CATEGORIES
             if status in c["matchedStatuses"] and re.fullmatch(c["messageRegex"], message or "")]
    return found[0] if len(found) == 1 else None if not found else "ambiguous: " + ", ".join(found)


def add_labels(item: pytest.Item, case: Case, catalogue: Catalogue, seeds_url: str | None) -> None:
    """epic = milestone key, feature = Gherkin feature, story = criterion, severity, a link to the seed section."""
    for key in case.milestones:
        item.add_marker(pytest.mark.allure_label(key, label_type="epic"))
        milestone = catalogue.milestones[key]
        item.add_marker(pytest.mark.allure_link(catalogue.link(milestone, seeds_url), link_type="link",
                                                name=f"{key}: {milestone.document} § {milestone.section}"))
    item.add_marker(pytest.mark.allure_label(case.feature_name, label_type="feature"))
    for criterion in case.criteria:
        item.add_marker(pytest.mark.allure_label(criterion, label_type="story"))
    item.add_marker(pytest.mark.allure_label(case.severity, label_type="severity"))


def write_environment(allure_dir: Path, values: dict[str, str]) -> Path:
    path = allure_dir / "environment.properties"
    lines = [f"{key}={_escape(str(value))}" for key, value in values.items() if value not in (None, "")]
    path.write_text("\n".join(lines) + "\n")
    return path


def _escape(value: str) -> str:
    return mask(value).replace("\\", "\\\\").replace("\n", " ")


def write_categories(allure_dir: Path) -> Path:
    import json
    path = allure_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, indent=2))
    return path


class ResultSpy:
    """Hears every test result the Allure listener writes in this process, to know their uuids."""

    def __init__(self) -> None:
        self.current_nodeid: str | None = None
        self.uuids: dict[str, str] = {}
        self.flaky: set[str] = set()  # nodeids that passed only on a retry

    @allure_commons.hookimpl
    def report_result(self, result) -> None:
        if self.current_nodeid:
            self.uuids[self.current_nodeid] = result.uuid
            if self.current_nodeid in self.flaky and result.status == Status.PASSED:
                if result.statusDetails is None:
                    result.statusDetails = StatusDetails()
                result.statusDetails.flaky = True  # Allure shows it as flaky


def report_stack_fixture(stack_info: dict, children: list[str]) -> None:
    """The stack as a set-up fixture of every result of this process, with its start-up time as a parameter."""
    if not children or stack_info.get("start_ms") is None:
        return
    before = TestBeforeResult(
        name=f"stack ({stack_info.get('target')})", status=Status.PASSED,
        start=stack_info["start_ms"], stop=stack_info.get("stop_ms") or stack_info["start_ms"],
        parameters=[Parameter(name="start-up seconds", value=f"{stack_info.get('startup_seconds') or 0:.3f}")]
        + [Parameter(name=k, value=str(v)) for k, v in stack_info.items()
           if k in ("redis_version", "postgres_version", "worker") and v])
    container = TestResultContainer(uuid=uuid4(), name="stack", children=children, befores=[before],
                                    start=before.start, stop=before.stop)
    allure_commons.plugin_manager.hook.report_container(container=container)
