"""Orders: market orders fill at once against market-data's quote; limit orders rest and match on the book.

Every placement runs in one transaction (statements pipelined: a round trip only where a result is
needed) that writes the order, its order_history rows, the trades,
both balance legs (rows locked with SELECT ... FOR UPDATE), the audit rows and the settlement
instructions. An order the balance cannot cover is kept as REJECTED (with order_history saying why)
and no balance moves. Limit orders are matched by one engine lock per exchange instance.

Status lifecycle: PENDING -> FILLED | REJECTED (market); PENDING -> OPEN -> PARTIALLY_FILLED -> FILLED,
or CANCELLED from OPEN / PARTIALLY_FILLED (limit).
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
from psycopg import Cursor
from psycopg.rows import dict_row

from simulators.common.database import Database, jsonable
from simulators.common.http import ApiError

from . import audit, settlement_outbox
from .balances import Balances, Ledger
from .book import Book, Fill, Resting
from .money import ZERO, q8, text

FINAL = ("FILLED", "CANCELLED", "REJECTED")
RESTING = ("OPEN", "PARTIALLY_FILLED")
NON_ATOMIC_GAP = 0.05  # seconds between the balance check and the debit under the non-atomic-balance-check fault
ORDER_COLUMNS = ("order_id, external_id, account_id, symbol, side, order_type, quantity, filled_quantity, "
                 "remaining_quantity, price, status, submitted_at, updated_at, filled_at, cancelled_at, metadata")


@dataclass(frozen=True)
class OrderRequest:
    account_id: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    client_order_id: str | None

    @property
    def base(self) -> str:
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("/")[1]


@dataclass
class Placed:
    """The outcome of a placement: the order as JSON, and whether it was rejected."""

    order: dict
    rejected: bool = False


def order_json(row: dict, trades: list[dict] | None = None) -> dict:
    meta = row.get("metadata") or {}
    out = jsonable({k: v for k, v in row.items() if k != "metadata"})
    out["client_order_id"] = out.pop("external_id")
    out["type"] = out.pop("order_type")
    for key in ("quantity", "filled_quantity", "remaining_quantity", "price"):
        if row.get(key) is not None:
            out[key] = text(row[key])
    out["reject_reason"] = meta.get("reject_reason")
    out["average_price"] = meta.get("average_price")
    if trades is not None:
        out["trades"] = trades
    return out


class Orders:
    def __init__(self, db: Database, balances: Balances, instance: str, faults: frozenset[str], on_commit):
        self.db = db
        self.balances = balances
        self.house = f"exchange:{instance}"  # the counterparty of market orders in settlement instructions
        self.faults = faults
        self.on_commit = on_commit  # called after each committed movement (wakes the settlement dispatcher)
        self.engine = threading.Lock()  # one matching engine: limit orders and cancels one at a time
        self.books: dict[str, Book] = {}
        self._books_loaded = False

    # -- market orders -----------------------------------------------------------------
    def place_market(self, req: OrderRequest, bid: Decimal, ask: Decimal) -> Placed:
        price = ask if req.side == "BUY" else bid
        value = q8(req.quantity * price)
        if value <= 0:  # trades.value > 0, and a zero settlement leg would block the outbox
            raise ApiError(422, "order_too_small",
                           f"{req.quantity} at {price} is worth less than 0.00000001 {req.quote}.")
        pay_asset, pay = (req.quote, value) if req.side == "BUY" else (req.base, req.quantity)
        seen = None
        if "non-atomic-balance-check" in self.faults:  # the check in its own transaction, the debit later
            self._require_account(req.account_id)
            seen = self.balances.read_available(req.account_id, pay_asset)
            time.sleep(NON_ATOMIC_GAP)  # the fault's gap: parallel orders all check before any debits
        try:
            with self.db.transaction() as conn, conn.pipeline(), conn.cursor(row_factory=dict_row) as cur:
                ledger = Ledger.lock(cur, {req.account_id}, {req.base, req.quote}, check_account=req.account_id)
                available = seen if seen is not None else ledger.available(req.account_id, pay_asset)
                if available < pay and "no-balance-check" not in self.faults:
                    order = self._insert(cur, req)
                    placed = self._reject(cur, order, f"insufficient {pay_asset}: needs {text(pay)}, "
                                                      f"available {text(available)}")
                else:
                    placed = Placed(self._fill_market(cur, ledger, req, price, value, seen))
        except psycopg.errors.UniqueViolation as exc:  # pipelined: surfaces at commit
            if exc.diag.constraint_name != "orders_external_id_key":
                raise
            raise ApiError(409, "duplicate_client_order_id",
                           f"An order with client_order_id {req.client_order_id!r} exists already.") from None
        self.on_commit()
        return placed

    def _fill_market(self, cur: Cursor, ledger: Ledger, req: OrderRequest, price: Decimal, value: Decimal,
                     seen: Decimal | None) -> dict:
        """Write a filled market order without waiting for a result: ids and timestamps are made here."""
        now = datetime.now(UTC)
        order = {"order_id": str(uuid.uuid4()), "external_id": req.client_order_id, "account_id": req.account_id,
                 "symbol": req.symbol, "side": req.side, "order_type": "MARKET", "quantity": req.quantity,
                 "filled_quantity": req.quantity, "remaining_quantity": ZERO, "price": None, "status": "FILLED",
                 "submitted_at": now, "updated_at": now, "filled_at": now, "cancelled_at": None,
                 "metadata": {"average_price": text(price)}}
        cur.execute("INSERT INTO orders (order_id, external_id, account_id, symbol, side, order_type, quantity, "
                    "filled_quantity, remaining_quantity, status, submitted_at, updated_at, filled_at, metadata) "
                    "VALUES (%s, %s, %s, %s, %s, 'MARKET', %s, %s, 0, 'FILLED', %s, %s, %s, %s)",
                    (order["order_id"], req.client_order_id, req.account_id, req.symbol, req.side, req.quantity,
                     req.quantity, now, now, now, json.dumps(order["metadata"])))
        reason = f"filled at {text(price)} ({'ask' if req.side == 'BUY' else 'bid'})"
        self._history(cur, order, None, "PENDING", None, ZERO, "received")
        self._history(cur, {**order, "status": "PENDING"}, "PENDING", "FILLED", ZERO, req.quantity, reason)
        trade = {"trade_id": str(uuid.uuid4()), "order_id": order["order_id"], "symbol": req.symbol, "side": req.side,
                 "quantity": req.quantity, "price": price, "value": value, "fee": ZERO, "executed_at": now,
                 "metadata": {"counterparty": self.house}}
        cur.execute("INSERT INTO trades (trade_id, order_id, account_id, symbol, side, quantity, price, value, "
                    "fee_currency, executed_at, metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (trade["trade_id"], order["order_id"], req.account_id, req.symbol, req.side, req.quantity, price,
                     value, req.quote, now, json.dumps(trade["metadata"])))
        self._legs(ledger, req.account_id, req.side, req.base, req.quote, req.quantity, value, trade,
                   pay_from_available=seen)
        settlement_outbox.trade_legs(cur, trade["trade_id"], req.account_id, req.side, req.base, req.quote,
                                     req.quantity, value, self.house)
        return order_json(order, [trade_json(trade)])

    def _legs(self, ledger: Ledger, account: str, side: str, base: str, quote: str, quantity: Decimal, value: Decimal,
              trade: dict, pay_from_available: Decimal | None = None) -> None:
        """Both balance legs of a market fill; pay_from_available: the stale value the non-atomic fault read."""
        ref = str(trade["trade_id"])
        pay_asset, pay, get_asset, get = (quote, value, base, quantity) if side == "BUY" else (base, quantity, quote, value)
        if pay_from_available is not None:  # lost update: overwrites whatever parallel orders left
            ledger.change(account, pay_asset, "TRADE", ref, absolute_available=pay_from_available - pay)
        else:
            ledger.change(account, pay_asset, "TRADE", ref, available=-pay)
        ledger.change(account, get_asset, "TRADE", ref, available=get)

    # -- limit orders ------------------------------------------------------------------
    def place_limit(self, req: OrderRequest) -> Placed:
        lock_asset, lock = (req.quote, q8(req.quantity * req.price)) if req.side == "BUY" else (req.base, req.quantity)
        with self.engine:
            book = self._book(req.symbol)
            fills = book.plan(req.side, req.price, req.quantity)
            released: dict[str, Decimal] = {}
            with self.db.transaction() as conn, conn.pipeline(), conn.cursor(row_factory=dict_row) as cur:
                accounts = {req.account_id} | {f.maker.account_id for f in fills}
                ledger = Ledger.lock(cur, accounts, {req.base, req.quote}, check_account=req.account_id)
                order = self._insert(cur, req, locked=lock)
                available = ledger.available(req.account_id, lock_asset)
                if available < lock and "no-balance-check" not in self.faults:
                    placed = self._reject(cur, order, f"insufficient {lock_asset}: needs {text(lock)}, "
                                                      f"available {text(available)}")
                    self.on_commit()
                    return placed
                ledger.change(req.account_id, lock_asset, "LOCK", str(order["order_id"]), available=-lock, locked=lock)
                taker = Resting(str(order["order_id"]), req.account_id, req.side, req.price, req.quantity, lock,
                                book.next_sequence())
                trades, filled, cost = [], ZERO, ZERO
                for fill in fills:
                    trades.append(self._match(cur, ledger, req, order, taker, fill, released))
                    filled += fill.quantity
                    cost += fill.quantity * fill.price
                average = q8(cost / filled) if filled else None
                status = "FILLED" if filled == req.quantity else "PARTIALLY_FILLED" if filled else "OPEN"
                row = self._status(cur, order, status, filled, average=average, locked=taker.locked,
                                   reason="matched on the book" if filled else "resting on the book")
                placed = Placed(order_json(row, trades))
            book.apply(fills, released)
            if taker.remaining > 0:
                book.add(taker)
        self.on_commit()
        return placed

    def _match(self, cur: Cursor, ledger: Ledger, req: OrderRequest, order: dict, taker: Resting, fill: Fill,
               released: dict[str, Decimal]) -> dict:
        """One fill between the incoming order and a resting one: two trades, four balance changes."""
        maker, quantity, price = fill.maker, fill.quantity, fill.price
        value = q8(quantity * price)
        cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = %s FOR UPDATE", (maker.order_id,))
        maker_row = cur.fetchone()
        taker_trade = self._trade(cur, order, taker.side, quantity, price, value, counterparty=maker.order_id)
        maker_trade = self._trade(cur, maker_row, maker.side, quantity, price, value, counterparty=taker.order_id)
        for party, trade in ((taker, taker_trade), (maker, maker_trade)):
            release = self._settle_party(ledger, req, party, quantity, price, value, str(trade["trade_id"]))
            if party is taker:
                taker.remaining -= quantity
                taker.locked -= release
            else:
                released[maker.order_id] = release
            settlement_outbox.trade_legs(cur, str(trade["trade_id"]), party.account_id, party.side, req.base,
                                         req.quote, quantity, value, self.house)
        maker_filled = maker_row["filled_quantity"] + quantity
        meta = maker_row.get("metadata") or {}
        prior_cost = Decimal(meta["cost"]) if meta.get("cost") else ZERO
        maker_cost = prior_cost + quantity * price
        self._status(cur, maker_row, "FILLED" if maker_filled == maker_row["quantity"] else "PARTIALLY_FILLED",
                     maker_filled, average=q8(maker_cost / maker_filled), locked=maker.locked - released[maker.order_id],
                     reason=f"matched by {taker.order_id}", cost=maker_cost)
        return trade_json(taker_trade)

    @staticmethod
    def _settle_party(ledger: Ledger, req: OrderRequest, party: Resting, quantity: Decimal, price: Decimal,
                      value: Decimal, ref: str) -> Decimal:
        """Move one side's balances for a fill; returns how much of its lock the fill released."""
        account = party.account_id
        final = party.remaining - quantity <= 0
        if party.side == "BUY":
            release = party.locked if final else min(party.locked, q8(quantity * party.price))
            ledger.change(account, req.quote, "TRADE", ref, locked=-release, available=release - value)
            ledger.change(account, req.base, "TRADE", ref, available=quantity)
        else:
            release = quantity
            ledger.change(account, req.base, "TRADE", ref, locked=-quantity)
            ledger.change(account, req.quote, "TRADE", ref, available=value)
        return release

    def cancel(self, order_id: str) -> dict | None:
        """Cancel a resting order and release its lock; None when unknown; ApiError 409 when already final."""
        with self.engine:
            book = None
            with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
                cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = %s FOR UPDATE", (order_id,))
                row = cur.fetchone()
                if row is None:
                    return None
                if row["status"] not in RESTING:
                    raise ApiError(409, "order_final", f"Order {order_id} is {row['status']} and cannot be cancelled.")
                account, (base, quote) = str(row["account_id"]), row["symbol"].split("/")
                locked = Decimal((row.get("metadata") or {}).get("locked") or "0")
                asset = quote if row["side"] == "BUY" else base
                ledger = Ledger.lock(cur, {account}, {asset})
                if locked > 0 and "cancel-keeps-lock" not in self.faults:
                    ledger.change(account, asset, "UNLOCK", order_id, available=locked, locked=-locked)
                cur.execute("UPDATE orders SET cancelled_at = NOW() WHERE order_id = %s", (order_id,))
                row = self._status(cur, row, "CANCELLED", row["filled_quantity"], locked=ZERO,
                                   reason="cancelled by the client")
                book = self._book(row["symbol"])
            book.remove(order_id)
        self.on_commit()
        return order_json(row)

    # -- queries -------------------------------------------------------------------------
    def get(self, order_id: str) -> dict | None:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = %s", (order_id,))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute("SELECT trade_id, order_id, symbol, side, quantity, price, value, fee, executed_at, metadata "
                        "FROM trades WHERE order_id = %s ORDER BY executed_at, trade_id", (order_id,))
            trades = [trade_json(t) for t in cur.fetchall()]
            cur.execute("SELECT old_status, new_status, old_filled_quantity, new_filled_quantity, changed_at, reason "
                        "FROM order_history WHERE order_id = %s ORDER BY changed_at, history_id", (order_id,))
            history = [jsonable(h) for h in cur.fetchall()]
        return {**order_json(row, trades), "history": history}

    def of_account(self, account_id: str, limit: int = 200) -> list[dict]:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE account_id = %s "
                        "ORDER BY submitted_at DESC, order_id LIMIT %s", (account_id, limit))
            return [order_json(r) for r in cur.fetchall()]

    def transactions(self, account_id: str, limit: int = 500) -> list[dict]:
        """Fills and deposits of the account, newest first."""
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT trade_id, order_id, symbol, side, quantity, price, value, fee, executed_at, metadata "
                        "FROM trades WHERE account_id = %s ORDER BY executed_at DESC LIMIT %s", (account_id, limit))
            trades = [{"type": "TRADE", **trade_json(t)} for t in cur.fetchall()]
            cur.execute("SELECT reference, entity_id, new_value, old_value, created_at FROM audit_log "
                        "WHERE account_id = %s AND action = 'DEPOSIT' ORDER BY audit_id DESC LIMIT %s",
                        (account_id, limit))
            deposits = [{"type": "DEPOSIT", "deposit_id": d["reference"], "asset": d["entity_id"].split(":")[1],
                         "amount": text(Decimal(d["new_value"]["total"]) - Decimal(d["old_value"]["total"])),
                         "executed_at": jsonable(d)["created_at"]} for d in cur.fetchall()]
        return sorted(trades + deposits, key=lambda t: t["executed_at"], reverse=True)[:limit]

    def depth(self, symbol: str) -> dict:
        with self.engine:
            return {"symbol": symbol, **self._book(symbol).depth()}

    def describe_books(self) -> dict:
        with self.engine:
            return {s: {"bids": len(b.bids), "asks": len(b.asks)} for s, b in self.books.items()}

    # -- building blocks -------------------------------------------------------------------
    def _require_account(self, account_id: str) -> None:
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            self._check_account(cur, account_id)

    @staticmethod
    def _check_account(cur: Cursor, account_id: str) -> None:
        cur.execute("SELECT status FROM accounts WHERE account_id = %s", (account_id,))
        row = cur.fetchone()
        if row is None:
            raise ApiError(404, "unknown_account", f"No account {account_id}.")
        if row["status"] != "ACTIVE":
            raise ApiError(409, "account_not_active", f"Account {account_id} is {row['status']}; it cannot trade.")

    def _insert(self, cur: Cursor, req: OrderRequest, locked: Decimal | None = None) -> dict:
        meta = {"locked": text(locked)} if locked is not None else {}
        try:
            cur.execute(f"INSERT INTO orders (external_id, account_id, symbol, side, order_type, quantity, "
                        f"remaining_quantity, price, status, metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                        f"'PENDING', %s) RETURNING {ORDER_COLUMNS}",
                        (req.client_order_id, req.account_id, req.symbol, req.side, req.order_type, req.quantity,
                         req.quantity, req.price, json.dumps(meta)))
            order = cur.fetchone()  # in pipeline mode the error surfaces here
        except psycopg.errors.UniqueViolation:
            raise ApiError(409, "duplicate_client_order_id",
                           f"An order with client_order_id {req.client_order_id!r} exists already.") from None
        self._history(cur, order, None, "PENDING", None, ZERO, "received")
        return order

    def _history(self, cur: Cursor, order: dict, old: str | None, new: str, old_filled: Decimal | None,
                 new_filled: Decimal, reason: str) -> None:
        if "no-audit" in self.faults:
            return
        cur.execute("INSERT INTO order_history (order_id, old_status, new_status, old_filled_quantity, "
                    "new_filled_quantity, reason, changed_at) VALUES (%s, %s, %s, %s, %s, %s, clock_timestamp())",
                    (order["order_id"], old, new, old_filled, new_filled, reason[:255]))
        audit.record(cur, str(order["account_id"]), "ORDER", str(order["order_id"]), "ORDER_STATUS",
                     {"status": new, "filled_quantity": text(new_filled), "reason": reason},
                     old={"status": old, "filled_quantity": text(old_filled)} if old else None,
                     reference=str(order["order_id"]))

    def _status(self, cur: Cursor, order: dict, new: str, filled: Decimal, *, reason: str,
                average: Decimal | None = None, locked: Decimal | None = None, cost: Decimal | None = None) -> dict:
        meta = dict(order.get("metadata") or {})
        if average is not None:
            meta["average_price"] = text(average)
        if locked is not None:
            meta["locked"] = text(locked)
        if cost is not None:
            meta["cost"] = f"{cost:f}"
        if new == "REJECTED":
            meta["reject_reason"] = reason
        cur.execute(f"UPDATE orders SET status = %s, filled_quantity = %s, remaining_quantity = quantity - %s, "
                    f"filled_at = CASE WHEN %s = 'FILLED' THEN NOW() ELSE filled_at END, metadata = %s "
                    f"WHERE order_id = %s RETURNING {ORDER_COLUMNS}",
                    (new, filled, filled, new, json.dumps(meta), order["order_id"]))
        row = cur.fetchone()
        self._history(cur, order, order["status"], new, order["filled_quantity"], filled, reason)
        return row

    def _reject(self, cur: Cursor, order: dict, reason: str) -> Placed:
        row = self._status(cur, order, "REJECTED", ZERO, reason=reason, locked=ZERO)
        return Placed(order_json(row, []), rejected=True)

    @staticmethod
    def _trade(cur: Cursor, order: dict, side: str, quantity: Decimal, price: Decimal, value: Decimal,
               counterparty: str) -> dict:
        cur.execute("INSERT INTO trades (order_id, account_id, symbol, side, quantity, price, value, fee_currency, "
                    "metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING trade_id, order_id, symbol, "
                    "side, quantity, price, value, fee, executed_at, metadata",
                    (order["order_id"], order["account_id"], order["symbol"], side, quantity, price, value,
                     order["symbol"].split("/")[1], json.dumps({"counterparty": counterparty})))
        return cur.fetchone()

    def _book(self, symbol: str) -> Book:
        """The symbol's book; on first use after start, every book is rebuilt from the resting orders stored."""
        if not self._books_loaded:
            self._load_books()
        if symbol not in self.books:
            self.books[symbol] = Book(symbol, newest_first="lifo-book" in self.faults)
        return self.books[symbol]

    def warm(self) -> None:
        """Rebuild the books now (at start); if PostgreSQL is not there yet, the first use does it."""
        try:
            with self.engine:
                if not self._books_loaded:
                    self._load_books()
        except Exception:  # noqa: BLE001 - stub mode: retried on first use
            pass

    def _load_books(self) -> None:
        if "no-book-rebuild" in self.faults:  # the fault: resting orders are forgotten on restart
            self._books_loaded = True
            return
        with self.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_type = 'LIMIT' AND status = ANY(%s) "
                        "ORDER BY submitted_at, order_id", (list(RESTING),))
            rows = cur.fetchall()
        for row in rows:
            book = self.books.setdefault(row["symbol"], Book(row["symbol"], newest_first="lifo-book" in self.faults))
            book.add(Resting(str(row["order_id"]), str(row["account_id"]), row["side"], row["price"],
                             row["remaining_quantity"], Decimal((row["metadata"] or {}).get("locked") or "0"),
                             book.next_sequence()))
        self._books_loaded = True


def trade_json(row: dict) -> dict:
    out = jsonable({k: v for k, v in row.items() if k != "metadata"})
    for key in ("quantity", "price", "value", "fee"):
        out[key] = text(row[key])
    out["counterparty"] = (row.get("metadata") or {}).get("counterparty")
    return out
