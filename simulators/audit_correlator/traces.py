"""Trace correlation: the events of one W3C trace, grouped (observability, TSE-0001.3a).

Every service records its hop of a sampled trace as an audit event carrying the trace id, its span
id and, in metadata, its parent span id and instance (simulators/common/tracing.py). This module
serves them grouped:

    GET /api/v1/traces/{trace_id}   {trace_id, event_count, services, spans, events}; 404 when none,
                                    422 for an id that is not 32 hex digits;
                                    404 for the all-zero id (W3C: invalid, never recorded)

`spans` links each span to its parent, so a client follows the flow hop by hop
(exchange -> market data, exchange -> custodian). Fault (broken variants only): `traces-ignore-trace-id`
answers the latest events whatever their trace.
"""
from __future__ import annotations

from psycopg.rows import dict_row

from simulators.common.contract import Text
from simulators.common.database import Database, jsonable
from simulators.common.http import ApiError, Request, Response, Router

from .repository import COLUMNS

TRACE_ID_FIELD = Text(min_len=32, max_len=32, pattern="[0-9a-fA-F]{32}", what="trace id (32 hexadecimal digits)")
LIMIT = 1000
FAULTS = ("traces-ignore-trace-id",)


def trace_events(db: Database, trace_id: str, *, ignore_trace_id: bool = False) -> list[dict]:
    where, args = ("", ()) if ignore_trace_id else ("WHERE trace_id = %s", (trace_id,))
    with db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(f"SELECT {COLUMNS} FROM audit_events {where} ORDER BY timestamp DESC, event_id LIMIT %s",
                    (*args, LIMIT))
        return [jsonable(row) for row in reversed(cur.fetchall())]


def grouped(trace_id: str, events: list[dict]) -> dict:
    spans: dict[str, dict] = {}
    for event in events:
        metadata = event.get("metadata") or {}
        if event.get("span_id"):
            span = spans.setdefault(event["span_id"], {"parent_span_id": metadata.get("parent_span_id"),
                                                       "service_name": event["service_name"],
                                                       "instance_name": metadata.get("instance") or event["instance_name"],
                                                       "events": []})
            span["events"].append(event["event_type"])
    return {"trace_id": trace_id, "event_count": len(events),
            "services": sorted({e["service_name"] for e in events}), "spans": spans, "events": events}


def routes(router: Router, db: Database, faults: frozenset[str]) -> None:
    ignore = "traces-ignore-trace-id" in faults

    @router.route("GET", "/api/v1/traces/{trace_id}", params={"trace_id": TRACE_ID_FIELD}, errors=(404, 422))
    def trace(request: Request) -> Response:
        trace_id = request.params["trace_id"].lower()  # TRACE_ID_FIELD checked the form
        if set(trace_id) == {"0"}:  # W3C: an invalid trace id; no event is ever recorded under it
            raise ApiError(404, "not_found", "No trace 000...0: an all-zero trace id is never recorded (W3C trace context).")
        events = trace_events(db, trace_id, ignore_trace_id=ignore)
        if not events:
            raise ApiError(404, "not_found", f"No event of trace {trace_id}.")
        return Response(200, grouped(trace_id, events))
