"""A Text field's published JSON Schema takes exactly the strings its check takes (simulators/common/contract.py).

The fuzz tests this through schemathesis on running services; here it is checked on the edges of "not blank,
no NUL" without a server, with the published schema read by jsonschema as a client would read it.
"""
from __future__ import annotations

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.common.contract import Text
from simulators.common.responses import ApiError

FIELDS = {"free text": Text(max_len=12), "optional text": Text(min_len=0, max_len=12)}
SPACES = " \t\n\x0b\x0c\r\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
EDGES = ["", " ", SPACES[:12], "a", " a", "a ", " \ufeffa\u3000", "\x00", "a\x00", "\x00a", " \x00 ", "\x01",
         "\u200b", "a" * 12, "a" * 13, "  x  "]


def _taken_by_check(field: Text, value: str) -> bool:
    try:
        field.check(value, "name")
    except ApiError:
        return False
    return True


def _taken_by_schema(field: Text, value: str) -> bool:
    return jsonschema.Draft202012Validator(field.json_schema()).is_valid(value)


@pytest.mark.parametrize("name", sorted(FIELDS))
@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_the_published_pattern_takes_what_the_check_takes_on_the_edges(name, value):
    field = FIELDS[name]
    assert _taken_by_schema(field, value) == _taken_by_check(field, value), field.json_schema()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPACES + "\x00ab\u200b"), max_size=14))
def test_the_published_pattern_takes_what_the_check_takes_on_any_mix_of_blanks(value):
    field = FIELDS["free text"]
    assert _taken_by_schema(field, value) == _taken_by_check(field, value), repr(value)


def test_blank_and_nul_are_refused_by_both():
    field = FIELDS["free text"]
    for value in (" \t", "\x00", "ok\x00"):
        assert not _taken_by_schema(field, value) and not _taken_by_check(field, value), repr(value)
