"""Sentences about the outcome of the last request, whatever it was sent to."""
from __future__ import annotations

from pytest_bdd import parsers, then

from steps.probes.outcome import Outcome


def _first_value(reply: object) -> str:
    if isinstance(reply, list) and reply and isinstance(reply[0], tuple):
        reply = reply[0][0]
    if isinstance(reply, (bytes, bytearray)):
        reply = reply.decode()
    return str(reply)


@then("it succeeds")
def it_succeeds(outcome: Outcome):
    assert outcome.ok, f"expected success, got {outcome}"


@then(parsers.re(r'it is refused with "?(?P<reason>[^"]+)"?$'))
def it_is_refused(outcome: Outcome, reason: str):
    assert not outcome.ok, f"expected a refusal ({reason}), but it succeeded: {outcome.reply!r}"
    assert reason == outcome.code or reason in outcome.error, f"expected refusal '{reason}', got {outcome}"


@then(parsers.parse('it returns "{value}"'))
def it_returns(outcome: Outcome, value: str):
    assert outcome.ok, f"expected {value!r}, got {outcome}"
    assert _first_value(outcome.reply) == value, f"expected {value!r}, got {outcome.reply!r}"
