"""One table of service kinds (trading_harness.service_kinds.SERVICE_KINDS): every entry complete, and the
embedded target, the health checks and the definition take their kinds from it and from nothing else."""
from __future__ import annotations

import inspect

import pytest

from trading_harness.definition import StackDefinition
from trading_harness.lint.runner import CHECKS
from trading_harness.servers.base import LocalServer
from trading_harness.service_kinds import SERVICE_KINDS, kind_of
from trading_harness.stack_reader.kinds import INFRASTRUCTURE, KINDS
from trading_harness.targets import health

from ..conftest import STACK


@pytest.mark.parametrize("name", sorted(SERVICE_KINDS))
def test_every_kind_has_a_runner_a_health_check_a_lint_rule_and_an_image(name):
    kind = SERVICE_KINDS[name]
    runner = kind.load_runner()
    assert not inspect.isclass(runner) or issubclass(runner, LocalServer), (name, runner)
    assert list(inspect.signature(runner).parameters)[:3] == ["spec", "definition", "workdir"], (name, runner)
    probe = kind.load_health()
    assert list(inspect.signature(probe).parameters) == ["stack", "service"], (name, probe)
    assert kind.lint in CHECKS, f"{name}: lint check {kind.lint!r} is not one of {CHECKS}"
    assert kind.image.strip() and kind.description.strip(), name


@pytest.mark.parametrize("category", INFRASTRUCTURE)
def test_an_infrastructure_kind_stands_for_an_official_image_the_reader_recognises(category):
    kind = SERVICE_KINDS[category]
    official = {image for row in KINDS if row.category == category for image in row.images}
    assert kind.image in official, (category, kind.image, sorted(official))


def test_every_kind_takes_a_service_of_the_reference_stack():
    definition = StackDefinition.load(STACK)
    taken = {kind_of(spec) for spec in definition.services.values()}
    assert set(SERVICE_KINDS) <= taken, f"kinds no reference service has: {set(SERVICE_KINDS) - taken}"
    assert all(spec.kind == kind_of(spec) for spec in definition.services.values())


def test_a_service_of_no_kind_is_checked_over_http():
    """A Go service or a third-party tool: no runner here, and the plain GET of its health path."""
    assert health.check.__doc__ and "GET <health path>" in health.check.__doc__
    assert kind_of(_Spec(category="application", command=["/app/exchange-simulator"])) is None
    assert kind_of(_Spec(category="third-party", command=[])) is None


def test_a_kind_is_chosen_by_what_the_service_runs():
    assert kind_of(_Spec(category="application", command=["python", "-m", "risk_monitor.main"])) == "python"
    assert kind_of(_Spec(category="one-shot", command=["sh", "/init/volumes.sh"])) == "script"
    assert kind_of(_Spec(category="one-shot", command=["sh", "-c", "rm -rf /"])) is None  # not one script
    assert kind_of(_Spec(category="redis", command=["redis-server"])) == "redis"


class _Spec:
    def __init__(self, category: str, command: list[str]):
        self.category, self.command = category, command
