"""The variants' running stack is closed after the last variant test in a row (tests/conftest.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from .. import conftest


class Stacks:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def _item(variant: bool) -> SimpleNamespace:
    return SimpleNamespace(get_closest_marker=lambda name: object() if variant and name == "can_fail" else None)


@pytest.mark.parametrize("following, closed", [("a variant test", 0), ("another test", 1), ("nothing", 1)])
def test_the_running_stack_is_closed_after_the_last_variant_in_a_row(monkeypatch, following, closed):
    stacks = Stacks()
    monkeypatch.setattr(conftest, "_RUNNING", [stacks])
    nextitem = {"a variant test": _item(True), "another test": _item(False), "nothing": None}[following]
    teardown = conftest.pytest_runtest_teardown(_item(True), nextitem)
    next(teardown)  # the item's own teardown runs here
    with pytest.raises(StopIteration):
        teardown.send(None)
    assert stacks.closed == closed
