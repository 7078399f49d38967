"""Chaos correlation: a scenario's injection linked to the risk alerts it caused, with the detection latency.

    GET /api/v1/correlations/{scenario_id}  {scenario_id, trace_id, linked, injection, alerts, reset,
                                             detection_latency_ms}; 404 when no event names the scenario

The test coordinator records "chaos.injection" (metadata: scenario_id, injected_ns, ...) and "chaos.reset";
the risk monitor records "risk.alert" (metadata: scenario_id, raised_ns, rule, ...). An alert is linked when
it names the scenario and carries the injection's trace id; the detection latency is the first linked
alert's raised_ns minus the injection's injected_ns.
"""
from __future__ import annotations

from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable
from simulators.common.http import ApiError, Request, Response, Router

COLUMNS = "event_id, trace_id, span_id, service_name, event_type, status, severity, timestamp, metadata"
KINDS = ("chaos.injection", "risk.alert", "chaos.reset")


def correlate(events: list[dict], scenario_id: str, drop_links: bool = False) -> dict:
    """The correlation record of one scenario from its events (oldest first)."""
    injections = [e for e in events if e["event_type"] == "chaos.injection"]
    injection = injections[0] if injections else None
    trace = injection["trace_id"] if injection else None
    alerts = [e for e in events if e["event_type"] == "risk.alert" and trace and e["trace_id"] == trace]
    if drop_links:  # the drops-chaos-links fault
        alerts = []
    alerts.sort(key=lambda e: int(e["metadata"].get("raised_ns", 0)))
    resets = [e for e in events if e["event_type"] == "chaos.reset"]
    latency = None
    if injection and alerts:
        latency = (int(alerts[0]["metadata"]["raised_ns"]) - int(injection["metadata"]["injected_ns"])) / 1e6
    return {"scenario_id": scenario_id, "trace_id": trace, "linked": bool(injection and alerts),
            "injection": injection, "alerts": alerts, "reset": resets[-1] if resets else None,
            "detection_latency_ms": None if latency is None else round(latency, 3)}


def add_correlation_routes(router: Router, db: Database, *, drop_links: bool = False) -> None:
    @router.route("GET", "/api/v1/correlations/{scenario_id}")
    def correlation(request: Request) -> Response:
        scenario_id = request.params["scenario_id"]
        if len(scenario_id) > 64:
            raise ApiError(404, "not_found", "No scenario with an id longer than 64 characters.")
        with db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {COLUMNS} FROM audit_events WHERE metadata->>'scenario_id' = %s "
                        "AND event_type = ANY(%s) ORDER BY timestamp, event_id", (scenario_id, list(KINDS)))
            events = [jsonable(row) for row in cur.fetchall()]
        if not events:
            raise ApiError(404, "not_found", f"No chaos event names scenario {scenario_id}.")
        return Response(200, correlate(events, scenario_id, drop_links))
