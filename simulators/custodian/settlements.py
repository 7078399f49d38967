"""custodian.settlements, positions, balances and audit_events: instructing and advancing settlements.

A settlement starts PENDING. Each advance() moves every open settlement one step, in initiated
order: PENDING -> IN_PROGRESS, then IN_PROGRESS -> COMPLETED (the holdings change in the same
transaction) or FAILED (failure_reason in metadata). Every change writes an audit_events row.
"""
from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from simulators.common.database import Database, jsonable

from .chaos import FAILURE_REASON
from .instructions import OPEN, STATUSES, Instruction

log = logging.getLogger("settlements")

COLUMNS = ("settlement_id, external_id, settlement_type, account_id, symbol, quantity, status, source_account, "
           "destination_account, initiated_at, completed_at, metadata->>'failure_reason' AS failure_reason")
POSITION_COLUMNS = "position_id, account_id, symbol, quantity, available_quantity, locked_quantity, last_updated"
BALANCE_COLUMNS = ("balance_id, currency AS asset, available_balance AS available, locked_balance AS locked, "
                   "total_balance AS total, last_updated")
ACTOR = "custodian-simulator"
BATCH = 2000  # open settlements looked at per step


def plain_json(row: dict) -> dict:
    """jsonable(), with decimals written in fixed point ("0.00000000", never "0E-8")."""
    return jsonable({k: format(v, "f") if isinstance(v, Decimal) else v for k, v in row.items()})


def audit(cur, event_type: str, entity: str, entity_id, account: str | None, operation: str,
          old: dict | None, new: dict | None) -> None:
    """One custodian.audit_events row (inside the caller's transaction)."""
    cur.execute(
        "INSERT INTO audit_events (event_type, entity_type, entity_id, account_id, operation, old_values, "
        "new_values, user_id, timestamp) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, clock_timestamp())",
        (event_type, entity, entity_id, account, operation, None if old is None else Jsonb(plain_json(old)),
         None if new is None else Jsonb(plain_json(new)), ACTOR))


class Settlements:
    def __init__(self, db: Database, faults: frozenset[str] = frozenset(), chaos=None):
        self.db = db
        self.chaos = chaos  # chaos.SettlementChaos: fail ends settlements FAILED
        self.faults = faults  # deliberate defects (app.FAULTS), to prove the scenarios can fail

    # -- instructions ---------------------------------------------------------------
    def instruct(self, ins: Instruction) -> tuple[dict, bool]:
        """(settlement, created): a repeated external_id returns the first settlement, created False."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(
                "INSERT INTO settlements (external_id, settlement_type, account_id, symbol, quantity, status, "
                "source_account, destination_account, initiated_at) "
                "VALUES (%s, %s, %s, %s, %s, 'PENDING', %s, %s, clock_timestamp()) "
                f"ON CONFLICT (external_id) DO NOTHING RETURNING {COLUMNS}",
                (_external_id(ins.external_id, self.faults), ins.settlement_type, ins.account_id, ins.symbol, ins.quantity,
                 ins.source_account, ins.destination_account))
            row = cur.fetchone()
            if row is None:
                cur.execute(f"SELECT {COLUMNS} FROM settlements WHERE external_id = %s", (ins.external_id,))
                return plain_json(cur.fetchone()), False
            audit(cur, "settlement.instructed", "SETTLEMENT", row["settlement_id"], ins.account_id, "CREATE",
                  None, {k: row[k] for k in ("external_id", "settlement_type", "symbol", "quantity", "status")})
            return plain_json(row), True

    # -- queries ------------------------------------------------------------------------
    def get(self, settlement_id: str) -> dict | None:
        """One settlement with its status history (from audit_events), oldest first."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {COLUMNS} FROM settlements WHERE settlement_id = %s", (settlement_id,))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute("SELECT new_values->>'status' AS status, timestamp AS at FROM audit_events "
                        "WHERE entity_type = 'SETTLEMENT' AND entity_id = %s ORDER BY timestamp, event_id",
                        (settlement_id,))
            return {**plain_json(row), "history": [plain_json(h) for h in cur.fetchall()]}

    def for_account(self, account: str) -> list[dict]:
        return self._all(f"SELECT {COLUMNS} FROM settlements WHERE account_id = %s ORDER BY initiated_at", (account,))

    def positions(self, account: str) -> list[dict]:
        return self._all(f"SELECT {POSITION_COLUMNS} FROM positions WHERE account_id = %s ORDER BY symbol", (account,))

    def balances(self, account: str) -> list[dict]:
        return self._all(f"SELECT {BALANCE_COLUMNS} FROM balances WHERE account_id = %s ORDER BY currency", (account,))

    def counts(self) -> dict[str, int]:
        with self.db.transaction() as conn:
            found = dict(conn.execute("SELECT status, count(*) FROM settlements GROUP BY status").fetchall())
        return {status: found.get(status, 0) for status in STATUSES}

    def _all(self, query: str, args: tuple) -> list[dict]:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, args)
            return [plain_json(row) for row in cur.fetchall()]

    # -- the worker's step ----------------------------------------------------------------
    def advance(self) -> int:
        """Move every open settlement one step, oldest first; the number moved.

        A settlement whose step PostgreSQL refuses (a constraint) stays where it is and is logged;
        the others still move. PostgreSQL being down ends the step (DatabaseUnavailable).
        """
        with self.db.transaction() as conn:
            due = [r[0] for r in conn.execute(
                "SELECT settlement_id FROM settlements WHERE status IN ('PENDING', 'IN_PROGRESS') "
                "ORDER BY initiated_at, settlement_id LIMIT %s", (BATCH,)).fetchall()]
        moved = 0
        for settlement_id in due:
            try:
                moved += self._step(settlement_id, "never-settles" not in self.faults)
            except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
                log.error("settlement step refused", extra={"settlement_id": str(settlement_id),
                                                            "error": str(exc).splitlines()[0]})
        return moved

    def _step(self, settlement_id, complete: bool) -> bool:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT * FROM settlements WHERE settlement_id = %s AND status = ANY(%s) "
                        "FOR UPDATE SKIP LOCKED", (settlement_id, list(OPEN)))
            row = cur.fetchone()
            if row is None or (row["status"] == "IN_PROGRESS" and not complete):
                return False
            if row["status"] == "PENDING" and "skips-in-progress" not in self.faults:
                self._set_status(cur, row, "IN_PROGRESS")
                return True
            if self.chaos is not None and self.chaos.fail:
                self._set_status(cur, row, "FAILED", FAILURE_REASON)
                return True
            shortfall = self._apply(cur, row)
            if shortfall:
                self._set_status(cur, row, "FAILED", shortfall)
            else:
                self._set_status(cur, row, "COMPLETED")
            return True

    def _set_status(self, cur, row: dict, status: str, reason: str | None = None) -> None:
        done = status in ("COMPLETED", "FAILED")
        cur.execute(
            "UPDATE settlements SET status = %s, completed_at = CASE WHEN %s THEN clock_timestamp() END, "
            "metadata = CASE WHEN %s::text IS NULL THEN metadata "
            "ELSE coalesce(metadata, '{}'::jsonb) || jsonb_build_object('failure_reason', %s::text) END "
            "WHERE settlement_id = %s",
            (status, done, reason, reason, row["settlement_id"]))
        new = {"status": status} | ({"failure_reason": reason} if reason else {})
        audit(cur, "settlement.status_changed", "SETTLEMENT", row["settlement_id"], row["account_id"], "UPDATE",
              {"status": row["status"]}, new)

    def _apply(self, cur, row: dict) -> str | None:
        """Change the account's position and balance of the asset; a reason (and no change) if it cannot."""
        ins = Instruction(row["external_id"], row["settlement_type"], row["account_id"], row["symbol"],
                          row["quantity"], row["source_account"], row["destination_account"])
        account, asset, delta = ins.account_id, ins.symbol, ins.delta
        position, created_position = self._locked(cur, "positions", "symbol", account, asset, create=delta > 0)
        balance, created_balance = self._locked(cur, "balances", "currency", account, asset, create=delta > 0)
        held = position["available_quantity"] if position else Decimal(0)
        if "positions-only" not in self.faults:  # that fault keeps no balances, so it checks positions only
            held = min(held, balance["available_balance"] if balance else Decimal(0))
        if delta < 0 and held + delta < 0 and "no-holdings-check" not in self.faults:
            return (f"insufficient holdings: account {account} holds {_plain(held)} {asset} available, "
                    f"the {ins.settlement_type} needs {_plain(-delta)}")
        cur.execute("UPDATE positions SET quantity = quantity + %s, available_quantity = available_quantity + %s, "
                    "last_updated = clock_timestamp() WHERE position_id = %s RETURNING quantity, available_quantity",
                    (delta, delta, position["position_id"]))
        new_position = cur.fetchone()
        audit(cur, "position.settled", "POSITION", position["position_id"], account,
              "CREATE" if created_position else "UPDATE",
              None if created_position else {k: position[k] for k in ("quantity", "available_quantity")},
              {"symbol": asset, "settlement_id": row["settlement_id"], **new_position})
        if "positions-only" in self.faults:
            return None
        cur.execute("UPDATE balances SET available_balance = available_balance + %s, total_balance = total_balance + %s, "
                    "last_updated = clock_timestamp() WHERE balance_id = %s "
                    "RETURNING available_balance, locked_balance, total_balance", (delta, delta, balance["balance_id"]))
        new_balance = cur.fetchone()
        audit(cur, "balance.settled", "BALANCE", balance["balance_id"], account,
              "CREATE" if created_balance else "UPDATE",
              None if created_balance else {k: balance[k] for k in ("available_balance", "locked_balance",
                                                                      "total_balance")},
              {"currency": asset, "settlement_id": row["settlement_id"], **new_balance})
        return None

    @staticmethod
    def _locked(cur, table: str, key: str, account: str, asset: str, *, create: bool) -> tuple[dict | None, bool]:
        """The account's row for the asset, locked FOR UPDATE; created at zero when missing and `create`.

        (row or None, created)."""
        created = False
        if create:
            zero = ", quantity, available_quantity) VALUES (%s, %s, 0, 0)" if table == "positions" else \
                ") VALUES (%s, %s)"
            cur.execute(f"INSERT INTO {table} (account_id, {key}{zero} ON CONFLICT DO NOTHING RETURNING 1",
                        (account, asset))
            created = cur.fetchone() is not None
        cur.execute(f"SELECT * FROM {table} WHERE account_id = %s AND {key} = %s FOR UPDATE", (account, asset))
        return cur.fetchone(), created


def _external_id(external_id: str | None, faults: frozenset[str]) -> str | None:
    """The not-idempotent fault stores every instruction under a new external id."""
    if external_id is None or "not-idempotent" not in faults:
        return external_id
    return f"{external_id}#{uuid.uuid4().hex[:8]}"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"

