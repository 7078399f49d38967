"""The exchange's audit trail: one audit_log row per state change of an account, a balance or an order."""
from __future__ import annotations

import json
from collections.abc import Container

from psycopg import Cursor

faults: Container[str] = frozenset()  # the exchange's faults (set at start): no-audit leaves no trace


def record(cur: Cursor, account_id: str, entity_type: str, entity_id: str, action: str, new: dict,
           old: dict | None = None, reference: str | None = None) -> None:
    """Write one audit row inside the caller's transaction."""
    if "no-audit" in faults:
        return
    cur.execute("INSERT INTO audit_log (account_id, entity_type, entity_id, action, reference, old_value, new_value) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (account_id, entity_type, entity_id, action, reference,
                 json.dumps(old) if old is not None else None, json.dumps(new)))


def trail(cur: Cursor, account_id: str, limit: int = 500) -> list[dict]:
    """The account's audit rows, oldest first."""
    cur.execute("SELECT audit_id, entity_type, entity_id, action, reference, old_value, new_value, created_at "
                "FROM audit_log WHERE account_id = %s ORDER BY audit_id LIMIT %s", (account_id, limit))
    return [{**row, "created_at": row["created_at"].isoformat().replace("+00:00", "Z")} for row in cur.fetchall()]
