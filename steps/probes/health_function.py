"""A schema's health_check() in each of its reasonable forms: rows with a status, jsonb with a status, or text."""
from __future__ import annotations

import json
import re

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


def schema_reports(rows: list[tuple], schemas: list[str]) -> dict[str, tuple[object, object]]:
    """schema -> (table count, status) that a health_check() reports for each schema it names, in any form:
    rows naming the schema in a column, or a jsonb object keyed by schema name, at any depth."""
    found: dict[str, tuple[object, object]] = {}
    for row in rows:
        _walk(row[0], set(schemas), found)
    return found


def _load(value: object) -> object:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _walk(value: object, schemas: set[str], found: dict) -> None:
    value = _load(value)
    if isinstance(value, list):
        for item in value:
            _walk(item, schemas, found)
    elif isinstance(value, dict):
        named = [v for v in value.values() if isinstance(v, str) and v in schemas]
        if len(named) == 1:  # a row of the report: {"schema_name": "audit", "table_count": 4, "status": ...}
            found[named[0]] = _count_and_status(value)
            return
        for key, item in value.items():
            item = _load(item)
            if key in schemas:  # {"audit": {"tables": 4, "status": ...}} or {"audit": "healthy"}
                found[key] = _count_and_status(item) if isinstance(item, dict) else (None, item)
            else:
                _walk(item, schemas, found)


def _count_and_status(report: dict) -> tuple[object, object]:
    """The number of tables and the status in one schema's report, whatever its keys are called."""
    status = next((v for k, v in report.items() if k.lower() in ("status", "state", "health")), None)
    counts = [v for k, v in report.items() if isinstance(v, int) and not isinstance(v, bool)]
    named = [v for k, v in report.items() if isinstance(v, int) and re.search(r"count|tables", k, re.IGNORECASE)]
    count = named[0] if len(named) == 1 else counts[0] if len(counts) == 1 else None
    return count, status


def healthy(status: object) -> bool:
    return str(status).lower() in HEALTHY
