"""The fuzz's judge of rejected requests (tests/contracts.py RejectedWrites), on scripted footprints.

The stack's footprint is read at once after an accepted write; only when it moved is the stack left to
settle and the rejected request sent again. A rejected request that writes must be reported either way.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests

from ..contracts import RejectedWrites


def footprint(rows: int) -> tuple[tuple, tuple]:
    """A footprint whose one table holds `rows` rows."""
    return (("app.events", rows, f"md5-{rows}"),), ()


@dataclass
class Stack:
    """A stack whose rows grow by `background` pending rows (an earlier write's work) and by each write."""

    rows: int = 0
    background: int = 0  # rows an earlier accepted write adds by itself (one per read) until the stack settles
    settles: int = 0

    def read(self):
        if self.background:  # the background work lands while the judge reads
            self.rows, self.background = self.rows + 1, self.background - 1
        return footprint(self.rows)

    def settled(self):
        self.settles += 1
        self.rows, self.background = self.rows + self.background, 0
        return footprint(self.rows)


class Reply:
    def __init__(self, status: int):
        self.status_code = status


def rejected(stack: Stack, writes: bool):
    """A request the service refuses, writing a row all the same when `writes`."""
    def send():
        if writes:
            stack.rows += 1
        return Reply(422)
    return send


def judge_one(stack: Stack, writes: bool) -> tuple[RejectedWrites, list[str]]:
    judge = RejectedWrites(stack)
    judge.accepted("POST")  # an accepted write came first
    judge.ready()
    send = rejected(stack, writes)
    send()
    return judge, judge.changed(send, "POST")


def test_a_quiet_stack_is_judged_at_once_without_settling():
    stack = Stack(rows=3)
    judge, changed = judge_one(stack, writes=False)
    assert changed == [] and stack.settles == 0 and judge.resent == 0


@pytest.mark.parametrize("background", [0, 2])
def test_a_rejected_request_that_writes_is_reported_with_or_without_background_work(background):
    stack = Stack(rows=3, background=background)
    judge, changed = judge_one(stack, writes=True)
    rows = stack.rows
    assert changed == [f"table app.events: ({rows - 1}, 'md5-{rows - 1}') -> ({rows}, 'md5-{rows}')"], changed
    assert (stack.settles, judge.resent) == (1, 1)  # the footprint before had not settled: judged again, settled


def test_background_work_alone_is_not_blamed_on_the_rejected_request():
    stack = Stack(rows=3, background=2)
    judge, changed = judge_one(stack, writes=False)
    assert changed == [] and (stack.settles, judge.resent) == (1, 1)


def test_a_change_on_a_settled_stack_is_reported_without_sending_again():
    stack = Stack(rows=3)
    judge = RejectedWrites(stack)
    judge.ready()
    stack.background = 1
    first = rejected(stack, writes=False)
    first()
    assert judge.changed(first, "POST") == [] and judge.settled  # the background row: settled, sent again
    second = rejected(stack, writes=True)
    second()
    assert judge.changed(second, "POST") and judge.resent == 1  # judged against the settled footprint


def test_a_request_accepted_when_sent_again_is_not_judged():
    stack = Stack(rows=3)
    judge = RejectedWrites(stack)
    judge.ready()
    stack.background = 1
    assert judge.changed(lambda: Reply(201), "POST") == [] and judge.before is None


def test_no_answer_when_sent_again_is_a_failure():
    stack = Stack(rows=3)
    judge = RejectedWrites(stack)
    judge.ready()
    stack.background = 1

    def refused():
        raise requests.ConnectionError("connection refused")
    assert judge.changed(refused, "POST") == ["no answer when sent again on a settled stack: connection refused"]
