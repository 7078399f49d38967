"""One table of targets (trading_harness.targets.TARGETS): every entry complete, and the CLI, the daemon and the
pytest plugin offer exactly its names (the ones that start a stack, for `harness start` and the daemon)."""
from __future__ import annotations

import pytest

from fixtures import plugin
from trading_harness.cli import daemon
from trading_harness.cli import main as cli
from trading_harness.errors import HarnessError
from trading_harness.targets import STARTABLE, TARGETS, open_target


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_is_complete(name):
    target = TARGETS[name]
    assert callable(target.open), name
    assert isinstance(target.starts_stack, bool), name
    assert target.description.strip(), name


def test_an_unknown_target_names_the_table():
    with pytest.raises(HarnessError, match="choose one of embedded, compose, external"):
        open_target("nowhere", definition=None)


class _Options:
    """Records pytest_addoption's options (a stand-in for pytest's parser group)."""

    def __init__(self):
        self.options = {}

    def getgroup(self, *args, **kwargs):
        return self

    def addoption(self, name, **kwargs):
        self.options[name] = kwargs


def _choices(run, capsys) -> list[str]:
    """The choices argparse names when --target gets a value that is not one of them."""
    with pytest.raises(SystemExit):
        run()
    error = capsys.readouterr().err
    return [c.strip(" '") for c in error.split("(choose from ")[1].split(")")[0].split(",")]


def test_the_plugin_offers_every_target():
    options = _Options()
    plugin.pytest_addoption(options)
    assert list(options.options["--target"]["choices"]) == list(TARGETS)


def test_harness_start_and_restart_offer_the_targets_that_start_a_stack(capsys):
    assert STARTABLE and set(STARTABLE) <= set(TARGETS)
    assert _choices(lambda: cli.main(["start", "--target", "nowhere"]), capsys) == list(STARTABLE)
    assert _choices(lambda: cli.main(["restart", "--target", "nowhere"]), capsys) == list(STARTABLE)


def test_the_daemon_offers_the_targets_that_start_a_stack(capsys):
    assert _choices(lambda: daemon.main(["--target", "nowhere"]), capsys) == list(STARTABLE)
