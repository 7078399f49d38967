"""A schema's health_check() in each of its reasonable forms: rows with a status, jsonb with a status, or text."""
from __future__ import annotations

import json

HEALTHY = {"healthy", "ok", "up", "pass", "passing"}


def health_query(schema: str) -> str:
    """The call that works for a set-returning, a jsonb and a text function alike."""
    return f'SELECT to_jsonb(h) FROM "{schema}".health_check() AS h'


def verdict(rows: list[tuple]) -> tuple[bool, str]:
    """(healthy?, the status as read) from the rows of health_query."""
    if not rows:
        return False, "health_check() returned no row"
    statuses = [_status(row[0]) for row in rows]
    bad = [s for s in statuses if str(s).lower() not in HEALTHY]
    return not bad, ", ".join(map(str, statuses))


def _status(value: object) -> object:
    """The status in one value: a row or jsonb object (its `status`), or plain text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value.strip()
    if isinstance(value, dict):
        if "status" in value:
            return _status(value["status"])
        if len(value) == 1:  # a scalar function's row: {"health_check": <value>}
            return _status(next(iter(value.values())))
        return f"no status in {value}"
    return value
