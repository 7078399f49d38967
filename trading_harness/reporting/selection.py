"""Which scenarios a run should have run: the user's own selection versus everything else that kept one out.

A milestone may PASS only when every one of its scenarios that the user did not deselect ran. A
scenario no module collected, or one that a plugin or hook (not -k, -m, --deselect, --lf, a path or
--milestone) dropped, blocks PASS; so does one that was kept but never reported (an interrupted run).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

NEVER_COLLECTED = "never collected"
DROPPED = "deselected by a plugin or hook, not by the run's own selection"
NOT_REPORTED = "did not run (the session stopped before it)"


def _matches_user_expressions(item: pytest.Item, config: pytest.Config) -> bool:
    """Whether -k, -m and --deselect, as given on the command line, keep the item."""
    from _pytest.mark import KeywordMatcher, MarkMatcher
    from _pytest.mark.expression import Expression

    keyword = (config.option.keyword or "").lstrip()
    if keyword and not Expression.compile(keyword).evaluate(KeywordMatcher.from_item(item)):
        return False
    marks = config.option.markexpr
    if marks and not Expression.compile(marks).evaluate(MarkMatcher.from_markers(item.iter_markers())):
        return False
    return not any(item.nodeid.startswith(prefix) for prefix in (getattr(config.option, "deselect", None) or ()))


@dataclass
class SelectionAudit:
    """What collection saw, as case keys: collected, kept to run, and dropped by something other than the user."""

    collected: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)

    def observe(self, config: pytest.Config, before: list[tuple[pytest.Item, str]], after: list[pytest.Item],
                user_dropped_by_milestone) -> None:
        """Record the items collected (before) and those still there once every hook had its say (after)."""
        after_ids = {id(item) for item in after}
        lenient = bool(getattr(config.option, "lf", False))
        for item, key in before:
            self.collected.add(key)
            if id(item) in after_ids:
                self.kept.add(key)
            elif not lenient and not user_dropped_by_milestone(key) and _matches_user_expressions(item, config):
                self.dropped.add(key)

    def merge(self, other: dict) -> None:
        for name in ("collected", "kept", "dropped"):
            getattr(self, name).update(other.get(name, ()))

    def as_dict(self) -> dict:
        return {name: sorted(getattr(self, name)) for name in ("collected", "kept", "dropped")}


def in_scope(feature: Path, args: list[str], invocation_dir: Path) -> bool:
    """Whether the run's path arguments take in the whole of this feature file (a path, not a ::test id)."""
    for arg in args:
        if "::" in arg:
            continue
        path = (invocation_dir / arg).resolve()
        if path == feature or path in feature.parents:
            return True
    return False


def missing(cases: dict, ran: set[str], audit: SelectionAudit, scope) -> dict[str, str]:
    """Case key -> why it did not run, for each milestone scenario that should have run and did not.

    `ran` holds the keys of cases with an outcome; `scope(case)` tells whether the run's paths take the case in.
    """
    found = {}
    for key, case in cases.items():
        if not case.milestones or key in ran:
            continue
        if key in audit.dropped:
            found[key] = DROPPED
        elif key in audit.kept:
            found[key] = NOT_REPORTED
        elif key not in audit.collected and scope(case):
            found[key] = NEVER_COLLECTED
    return found
