"""audit.audit_events through the audit_adapter role (search_path = the service's schema)."""
from __future__ import annotations

import json

from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable

COLUMNS = "event_id, trace_id, span_id, service_name, instance_name, event_type, status, severity, timestamp, metadata"


class AuditEvents:
    def __init__(self, db: Database):
        self.db = db

    def record(self, event: dict) -> dict:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                f"INSERT INTO audit_events (trace_id, span_id, service_name, instance_name, event_type, status, "
                f"severity, metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
                (event.get("trace_id"), event.get("span_id"), event["service_name"], event["instance_name"],
                 event["event_type"], event["status"], event["severity"],
                 json.dumps(event["metadata"]) if event.get("metadata") is not None else None))
            return jsonable(cur.fetchone())

    def get(self, event_id: str) -> dict | None:
        return self.db.one(f"SELECT {COLUMNS} FROM audit_events WHERE event_id = %s", (event_id,))
