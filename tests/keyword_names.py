"""A pytest plugin for the harness's own tests (`-p tests.keyword_names`): what `-k` matches, per scenario.

With HARNESS_KEYWORD_NAMES=<file>, a features run writes, for every collected scenario, its node id, its
JUnit key and the names a `-k` expression is matched against, so that a selection can be evaluated after
the run (tests/intact.py). pytest's own matcher is used, so a selection means here what it means to -k.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _pytest.junitxml import mangle_test_address
from _pytest.mark import KeywordMatcher
from _pytest.mark.expression import Expression

NAMES_ENV = "HARNESS_KEYWORD_NAMES"


def pytest_collection_finish(session: pytest.Session) -> None:
    path = os.environ.get(NAMES_ENV)
    if not path:
        return
    scenarios = []
    for item in session.items:
        address = mangle_test_address(item.nodeid)
        scenarios.append({"nodeid": item.nodeid, "junit": [".".join(address[:-1]), address[-1]],
                          "names": sorted(KeywordMatcher.from_item(item)._names)})
    Path(path).write_text(json.dumps(scenarios))


def selects(selection: str, names: list[str]) -> bool:
    """True when `-k selection` selects a scenario with these names."""
    return Expression.compile(selection).evaluate(KeywordMatcher(frozenset(names)))
