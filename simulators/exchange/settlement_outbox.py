"""Settlement instructions for the custodian: an outbox written with each balance movement, and its dispatcher.

enqueue() adds a row inside the caller's transaction, so an instruction exists exactly when the
movement committed; it keeps the W3C traceparent of the request that moved the balance, and the
dispatcher continues that trace when it sends the instruction. The Dispatcher thread sends PENDING rows in outbox order with
trading.custodian.v1.Custodian/InstructSettlement (the custodian found through discovery) and marks
each SENT once acknowledged; on failure it keeps the row, counts the attempt, backs off and retries
the same row, so a later instruction is never sent before an earlier one. The custodian is
idempotent on external_id, so a retry after a lost reply does no harm.
"""
from __future__ import annotations

import logging
import threading
from decimal import Decimal

import grpc
from psycopg import Cursor
from psycopg.rows import dict_row

from simulators.common import tracing
from simulators.common.database import jsonable
from simulators.proto import load

log = logging.getLogger("settlement")
custodian_pb, custodian_grpc = load("custodian")
BATCH = 100


def enqueue(cur: Cursor, external_id: str, settlement_type: str, account_id: str, asset: str, quantity: Decimal,
            source: str = "", destination: str = "") -> None:
    cur.execute("INSERT INTO settlement_outbox (external_id, settlement_type, account_id, symbol, quantity, "
                "source_account, destination_account, traceparent) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (external_id, settlement_type, account_id, asset, quantity, source or None, destination or None,
                 tracing.current_traceparent()))


def trade_legs(cur: Cursor, trade_id: str, account_id: str, side: str, base: str, quote: str, quantity: Decimal,
               value: Decimal, house: str) -> None:
    """The two TRANSFER instructions of one trade row: base and quote move between the account and the exchange."""
    buyer = side == "BUY"
    enqueue(cur, f"{trade_id}:{base}", "TRANSFER", account_id, base, quantity,
            house if buyer else account_id, account_id if buyer else house)
    enqueue(cur, f"{trade_id}:{quote}", "TRANSFER", account_id, quote, value,
            account_id if buyer else house, house if buyer else account_id)


class Dispatcher:
    """Sends the outbox to the custodian in order, retrying with backoff until each row is acknowledged."""

    def __init__(self, app, custodian_service: str, *, idle_poll: float = 0.5, max_backoff: float = 2.0,
                 give_up: bool = False):
        self.app = app
        self.give_up = give_up
        self.db = app.db
        self.service = custodian_service
        self.idle_poll = idle_poll
        self.max_backoff = max_backoff
        self.sent = 0
        self.failures = 0  # consecutive
        self.last_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="settlement-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=2)

    def notify(self) -> None:
        """A movement committed: look at the outbox now rather than at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                progressed = self._drain()
            except Exception as exc:  # noqa: BLE001 - PostgreSQL down: keep trying
                progressed, self.last_error = False, f"outbox unavailable: {exc}"
                self.failures += 1
            if self.failures:
                delay = min(self.max_backoff, 0.05 * 2 ** min(self.failures, 10))
                self._stop.wait(delay)
            elif not progressed:
                self._wake.wait(self.idle_poll)
                self._wake.clear()

    def _drain(self) -> bool:
        """Send pending rows in order until the batch is done or one fails; True when any was sent."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT outbox_id, external_id, settlement_type, account_id::text AS account_id, symbol, "
                        "quantity, source_account, destination_account, traceparent FROM settlement_outbox "
                        "WHERE status = 'PENDING' ORDER BY outbox_id LIMIT %s", (BATCH,))
            rows = cur.fetchall()
        acknowledged: list[tuple[int, str]] = []
        try:
            for row in rows:
                if self._stop.is_set():
                    break
                try:
                    reply = self._send(row)
                except Exception as exc:  # noqa: BLE001 - peer down, circuit open, refused: retry later
                    if self.give_up:  # the settlement-no-retry fault: a failed instruction is dropped
                        acknowledged.append((row["outbox_id"], ""))
                        continue
                    self._failed(row, exc)
                    break
                acknowledged.append((row["outbox_id"], reply.settlement_id))
        finally:
            self._mark_sent(acknowledged)
        return bool(acknowledged)

    def _mark_sent(self, acknowledged: list[tuple[int, str]]) -> None:
        """One UPDATE for the rows the custodian acknowledged (a lost update only means a harmless resend)."""
        if not acknowledged:
            return
        with self.db.transaction() as conn:
            conn.execute("UPDATE settlement_outbox o SET status = 'SENT', sent_at = NOW(), attempts = o.attempts + 1, "
                         "settlement_id = NULLIF(a.settlement_id, ''), last_error = NULL "
                         "FROM unnest(%s::bigint[], %s::text[]) AS a(outbox_id, settlement_id) "
                         "WHERE o.outbox_id = a.outbox_id",
                         ([i for i, _ in acknowledged], [s for _, s in acknowledged]))
        self.sent += len(acknowledged)
        self.failures, self.last_error = 0, None

    def _send(self, row: dict):
        instruction = custodian_pb.SettlementInstruction(
            external_id=row["external_id"], settlement_type=row["settlement_type"], account_id=row["account_id"],
            symbol=row["symbol"], quantity=f"{row['quantity']:f}", source_account=row["source_account"] or "",
            destination_account=row["destination_account"] or "")
        with tracing.continued(row.get("traceparent"), "settlement.instruct"):  # the movement's trace goes on
            self.app.trace_events.record("settlement.dispatched", external_id=row["external_id"])
            reply, _instance = self.app.peers.call(self.service, custodian_grpc.CustodianStub, "InstructSettlement",
                                                   instruction)
        return reply

    def _failed(self, row: dict, exc: Exception) -> None:
        detail = f"{exc.code().name}: {exc.details()}" if isinstance(exc, grpc.RpcError) else str(exc)
        self.failures += 1
        self.last_error = f"{row['external_id']}: {detail}"
        if self.failures in (1, 10) or self.failures % 100 == 0:
            log.warning("settlement instruction not acknowledged; retrying",
                        extra={"external_id": row["external_id"], "attempt": self.failures, "error": detail})
        try:
            with self.db.transaction() as conn:
                conn.execute("UPDATE settlement_outbox SET attempts = attempts + 1, last_error = %s WHERE outbox_id = %s",
                             (detail[:1000], row["outbox_id"]))
        except Exception:  # noqa: BLE001 - PostgreSQL down too; the row stays PENDING
            pass

    def describe(self) -> dict:
        """The backlog: pending and sent counts, the oldest pending instruction, the last error."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending, "
                        "count(*) FILTER (WHERE status = 'SENT') AS sent FROM settlement_outbox")
            counts = cur.fetchone()
            cur.execute("SELECT outbox_id, external_id, settlement_type, account_id, symbol, quantity, attempts, "
                        "last_error, created_at FROM settlement_outbox WHERE status = 'PENDING' "
                        "ORDER BY outbox_id LIMIT 1")
            oldest = cur.fetchone()
        return {"custodian_service": self.service, "pending": counts["pending"], "sent": counts["sent"],
                "oldest_pending": jsonable(oldest) if oldest else None,
                "consecutive_failures": self.failures, "last_error": self.last_error,
                "running": bool(self._thread and self._thread.is_alive())}
