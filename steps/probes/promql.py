"""The metric names a PromQL expression (or a Grafana dashboard's queries) refers to.

Good enough for dashboards: strings, label matchers, ranges, grouping clauses, Grafana variables,
numbers, keywords and function calls are removed; every identifier left is a metric name.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "atan2", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$__\w+|\$\w+|\[\[\w+\]\]")
_IDENT = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(\s*\()?")
_LABEL_VALUES = re.compile(r"label_values\(([^()]*?)(?:,\s*\w+\s*)?\)")


def metric_names(expr: str) -> set[str]:
    text = _VARIABLE.sub(" ", expr)
    # Grafana's label_values(metric, label) names a metric; label_values(label) names none.
    text = _LABEL_VALUES.sub(lambda m: f" {m.group(1)} " if "," in m.group(0) else " ", text)
    found = set()
    for pattern in (_STRING, _GROUPING, _MATCHERS, _RANGE):
        text = pattern.sub(" ", text)
    for name, call in _IDENT.findall(text):
        if not call and name.lower() not in KEYWORDS and not re.fullmatch(r"\d.*", name):
            found.add(name)
    return found


def dashboard_queries(dashboard: dict) -> list[str]:
    """Every PromQL expression of a dashboard: panel targets (rows included) and query variables."""
    queries = []

    def panels(items: list) -> None:
        for panel in items or []:
            queries.extend(t["expr"] for t in panel.get("targets") or [] if t.get("expr"))
            panels(panel.get("panels"))

    panels(dashboard.get("panels"))
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if variable.get("type") == "query" and isinstance(query, str) and query:
            queries.append(query)
    return queries


def dashboards(root: Path) -> dict[Path, dict]:
    found = {}
    for path in sorted(root.rglob("*.json")):
        doc = json.loads(path.read_text())
        doc = doc.get("dashboard", doc)  # the HTTP API's envelope, or the model itself
        if isinstance(doc, dict) and "panels" in doc:
            found[path] = doc
    return found
