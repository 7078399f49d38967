"""Rows for the domain tables: a valid baseline per table, and how to break one constraint.

Everything runs as the adapter role of the table's domain (from the stack profile) inside one
transaction that `close()` rolls back, so a scenario leaves nothing behind.

BASELINES holds one valid row per table, for the seeds' columns. The row actually inserted is fitted
to the table's columns as the catalog reports them: a baseline column the table lacks is left out
(unless the change names it), and a NOT NULL column without a default that the baseline does not
know gets a value of its type. So a table with other columns is tested on the constraint alone.
Placeholders in string values: {u} the scenario's
unique string, {n} a per-row counter, {uuid} a fresh UUID. A `Parent` value inserts (once per
transaction) a baseline row of the referenced table and uses its key.

A change is one of:
  col=value[, col=value ...]  override columns; NULL is SQL NULL, @other copies column `other`
  duplicate                   repeat the baseline's values for the named UNIQUE constraint's columns
  orphan                      point the named FOREIGN KEY's columns at a row that does not exist
"""
from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from trading_harness.evidence import Evidence
from trading_harness.profile import StackProfile

SQLSTATE = {"check": "23514", "unique": "23505", "foreign key": "23503", "not null": "23502"}


@dataclass(frozen=True)
class Parent:
    """A foreign-key value: the `column` of a baseline row of `table` (one per alias)."""

    table: str
    column: str
    alias: str = ""


_ACCOUNT = Parent("exchange.accounts", "account_id")
_ORDER = Parent("exchange.orders", "order_id")

BASELINES: dict[str, dict[str, object]] = {
    # -- custodian -------------------------------------------------------
    "custodian.positions": {
        "account_id": "cust-{u}-{n}", "symbol": "BTC/USD", "quantity": "100",
        "available_quantity": "80", "locked_quantity": "20", "average_cost": "25000", "currency": "USD"},
    "custodian.settlements": {
        "external_id": "stl-{u}-{n}", "settlement_type": "DEPOSIT", "account_id": "cust-{u}-{n}",
        "symbol": "BTC/USD", "quantity": "1.5", "status": "PENDING"},
    "custodian.balances": {
        "account_id": "cust-{u}-{n}", "currency": "USD", "available_balance": "1000",
        "locked_balance": "0", "total_balance": "1000"},
    "custodian.audit_events": {
        "event_type": "position.created", "entity_type": "POSITION", "entity_id": "{uuid}",
        "account_id": "cust-{u}-{n}", "operation": "CREATE", "user_id": "harness"},
    # -- exchange --------------------------------------------------------
    "exchange.accounts": {
        "user_id": "user-{u}-{n}", "account_type": "SPOT", "status": "ACTIVE", "kyc_status": "APPROVED"},
    "exchange.orders": {
        "external_id": "ord-{u}-{n}", "account_id": _ACCOUNT, "symbol": "BTC/USD", "side": "BUY",
        "order_type": "LIMIT", "quantity": "1", "filled_quantity": "0", "remaining_quantity": "1",
        "price": "50000", "status": "OPEN", "time_in_force": "GTC"},
    "exchange.trades": {
        "order_id": _ORDER, "account_id": _ACCOUNT, "symbol": "BTC/USD", "side": "BUY",
        "quantity": "1", "price": "50000", "value": "50000", "fee": "5", "fee_currency": "USD"},
    "exchange.balances": {
        "account_id": _ACCOUNT, "symbol": "ASSET-{n}", "available_balance": "10",
        "locked_balance": "0", "total_balance": "10"},
    "exchange.order_history": {
        "order_id": _ORDER, "old_status": "PENDING", "new_status": "OPEN",
        "old_filled_quantity": "0", "new_filled_quantity": "0", "reason": "accepted"},
    # -- market_data -----------------------------------------------------
    "market_data.price_feeds": {
        "symbol": "BTC/USD", "price": "50000", "bid": "49990", "ask": "50010",
        "volume_24h": "1234.5", "source": "harness"},
    "market_data.candles": {
        "symbol": "C-{u}-{n}", "interval": "1m", "open": "100", "high": "110", "low": "90",
        "close": "105", "volume": "10", "start_time": "2025-01-01T00:00:00Z",
        "end_time": "2025-01-01T00:01:00Z", "num_trades": "3"},
    "market_data.market_snapshots": {
        "symbol": "BTC/USD", "last_price": "50000", "bid": "49990", "ask": "50010", "spread": "20",
        "volume_24h": "1234.5", "price_change_24h": "-100", "price_change_percent_24h": "-0.2"},
    "market_data.symbols": {
        "symbol": "S-{u}-{n}", "base_currency": "BTC", "quote_currency": "USD",
        "display_name": "Bitcoin", "min_price_movement": "0.01", "min_order_size": "0.0001",
        "max_order_size": "100"},
    # -- audit -----------------------------------------------------------
    "audit.audit_events": {
        "trace_id": "trace-{u}-{n}", "span_id": "span-{n}", "service_name": "harness-{u}",
        "instance_name": "singleton", "event_type": "order.placed", "status": "SUCCESS",
        "severity": "INFO", "duration_ms": "12"},
    "audit.service_registrations": {
        "service_name": "svc-{u}-{n}", "instance_name": "inst-{n}", "host": "127.0.0.1",
        "http_port": "8080", "grpc_port": "50051", "version": "1.0.0", "environment": "testing",
        "status": "HEALTHY"},
    "audit.audit_correlations": {
        "source_event_id": Parent("audit.audit_events", "event_id", "source"),
        "target_event_id": Parent("audit.audit_events", "event_id", "target"),
        "correlation_type": "CAUSAL", "confidence": "0.9"},
    "audit.service_metrics": {
        "service_name": "svc-{u}", "instance_name": "inst-{n}", "metric_name": "requests_total",
        "metric_type": "COUNTER", "value": "1", "unit": "requests", "labels": '{"route": "/health"}',
        "recorded_at": "2025-01-01T00:00:00Z"},
}

# audit_correlator keeps the audit tables under the old name (TSE-0001.12.0): the same rows fit.
BASELINES.update({
    "audit_correlator." + table.split(".", 1)[1]: {
        column: Parent(value.table.replace("audit.", "audit_correlator.", 1), value.column, value.alias)
        if isinstance(value, Parent) else value for column, value in row.items()}
    for table, row in list(BASELINES.items()) if table.startswith("audit.")})

# Words of a constraint name that say nothing of its columns.
_NAME_NOISE = {"", "id", "key", "pkey", "fkey", "pk", "fk", "uq", "unique", "uniq", "idx", "check", "chk"}

_CONSTRAINTS = """
SELECT con.conname::text, con.contype::text, array_agg(att.attname::text ORDER BY k.ord)
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
WHERE con.conrelid = %s::regclass AND con.contype = ANY(%s)
GROUP BY con.conname, con.contype"""

# The table and column a foreign key of `table` on `column` references (whatever the parent's key is called).
_REFERENCED = """
SELECT con.confrelid::regclass::text, ref.attname::text
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(attnum, refnum)
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
JOIN pg_attribute ref ON ref.attrelid = con.confrelid AND ref.attnum = k.refnum
WHERE con.conrelid = %s::regclass AND con.contype = 'f' AND att.attname = %s
LIMIT 1"""

# CHECKs that list a column's allowed values: `col IN ('a', 'b')` as PostgreSQL prints it.
_ENUM_CHECKS = """
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'"""
_ENUM = re.compile(r"\(+\s*\(?\"?(?P<column>\w+)\"?\)?(?:::\w+(?: \w+)*)?\s*=\s*ANY\s*\(\s*\(?ARRAY\[(?P<values>[^\]]*)\]")

_CONSTRAINT_COLUMNS = """
SELECT con.contype::text, array_agg(att.attname::text ORDER BY k.ord)
FROM pg_constraint con
CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
WHERE con.conrelid = %s::regclass AND con.conname = %s
GROUP BY con.contype"""


_COLUMNS = """
SELECT column_name::text, data_type::text, is_nullable = 'NO' AND column_default IS NULL
       AND is_identity = 'NO' AND is_generated = 'NEVER'
FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"""

# A value per data type for required columns the baseline does not know (never part of a criterion).
FILLERS = {"integer": "1", "bigint": "1", "smallint": "1", "numeric": "1", "real": "1", "double precision": "1",
           "boolean": "true", "uuid": "{uuid}", "jsonb": "{}", "json": "{}", "date": "2025-01-01",
           "timestamp with time zone": "2025-01-01T00:00:00Z", "timestamp without time zone": "2025-01-01T00:00:00"}


def role_for(profile: StackProfile, table: str) -> str:
    """The adapter role of the domain whose schema holds the table (the stack profile names it)."""
    schema = schema_of(table)
    domain = next((d for d in profile.domains.values() if d.schema == schema), None)
    if domain is None:
        raise AssertionError(f"no domain of the stack profile has schema {schema!r} (set [domains.<name>] schema)")
    return profile.domain_name(domain.name, "role")


def schema_of(table: str) -> str:
    schema, _, name = table.partition(".")
    if not name:
        raise ValueError(f"table {table!r} is not schema-qualified (schema.table)")
    return schema


def parse_change(text: str) -> dict[str, str | None]:
    """'quantity=0, remaining_quantity=0' -> {'quantity': '0', 'remaining_quantity': '0'}."""
    change: dict[str, str | None] = {}
    for part in re.split(r",\s*(?=[A-Za-z_][A-Za-z0-9_]*=)", text.strip()):
        column, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"change {text!r}: expected col=value, 'duplicate' or 'orphan'")
        value = value.strip()
        change[column.strip()] = None if value.upper() == "NULL" else value
    return change


@dataclass
class InsertResult:
    """One INSERT: the row that came back, or the error that refused it."""

    table: str
    statement: str
    row: dict | None = None
    error: psycopg.Error | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None

    @property
    def sqlstate(self) -> str | None:
        return self.error.sqlstate if self.error else None

    @property
    def constraint(self) -> str | None:
        return self.error.diag.constraint_name if self.error else None

    @property
    def column(self) -> str | None:
        return self.error.diag.column_name if self.error else None

    @property
    def error_table(self) -> str | None:
        if not self.error or not self.error.diag.table_name:
            return None
        return f"{self.error.diag.schema_name}.{self.error.diag.table_name}"

    def __str__(self) -> str:
        if self.accepted:
            return f"accepted: {self.statement}"
        return (f"refused [{self.sqlstate}] constraint={self.constraint} column={self.column} "
                f"table={self.error_table}: {str(self.error).strip()}\n  statement: {self.statement}")


class RowProbe:
    """Insert baseline and violating rows as the table's adapter role, in one rolled-back transaction."""

    def __init__(self, dsn: str, role: str, evidence: Evidence, unique: str):
        self.role = role
        self.evidence = evidence
        self.unique = unique
        self._counter = itertools.count(1)
        self._parents: dict[Parent, dict] = {}
        self._columns: dict[str, dict[str, tuple[str, bool]]] = {}
        self._enums: dict[str, dict[str, list[str]]] = {}
        self.baselines: dict[str, dict] = {}
        try:
            self.conn = psycopg.connect(dsn, autocommit=False)
        except psycopg.Error as exc:
            evidence.record("sql", f"connect as {role}", str(exc).strip())
            raise AssertionError(f"cannot connect to PostgreSQL as {role}: {str(exc).strip()}") from None
        evidence.record("sql", f"connect as {role}", "connected")
        self._execute("SET LOCAL lock_timeout = '5s'")

    # -- public ----------------------------------------------------------
    def insert_baseline(self, table: str) -> InsertResult:
        """Insert a valid row (and any FK parents it needs); remember it for `duplicate`."""
        values = self._baseline_values(table)
        result = self._insert(table, values)
        if result.accepted:
            self.baselines[table] = {**result.row, **values}
        return result

    def insert_row(self, table: str, **overrides: object) -> InsertResult:
        """Insert a fresh baseline row with some columns overridden."""
        return self._insert(table, {**self._baseline_values(table), **overrides})

    def execute(self, query: str, params: tuple | None = None) -> list[tuple]:
        """Run one statement in the probe's transaction (recorded as evidence)."""
        return self._execute(query, params)

    def insert_violation(self, table: str, constraint: str, change: str) -> InsertResult:
        """Insert a fresh baseline row altered by `change` so that it breaks `constraint`."""
        values = self._baseline_values(table)
        marker = change.strip().lower()
        if marker in ("duplicate", "orphan"):
            columns = self._equivalent_constraint(table, constraint, "up" if marker == "duplicate" else "f")
            if marker == "duplicate":
                if table not in self.baselines:
                    raise AssertionError(f"no baseline row in {table} to duplicate: insert one first")
                values.update({c: self.baselines[table][c] for c in columns})
            else:
                values.update({c: self._orphan_value(table, c) for c in columns})
        else:
            present = self._table_columns(table)
            for index, (column, value) in enumerate(parse_change(change).items()):
                if present and column not in present:
                    if index == 0:  # the column the constraint is about
                        raise AssertionError(f"{table} has no column {column}, which the criterion's constraint "
                                             f"{constraint or '(NOT NULL)'} constrains (columns: {', '.join(present)})")
                    continue  # a companion value that keeps the reference table's other CHECKs satisfied
                if value is not None and value.startswith("@"):
                    if value[1:] not in values:
                        raise AssertionError(f"change {change!r}: {table} baseline has no column {value[1:]}")
                    value = values[value[1:]]
                values[column] = value
        return self._insert(table, values)

    def close(self) -> None:
        """Roll back everything this probe wrote and disconnect."""
        try:
            if not self.conn.closed:
                self.conn.rollback()
                self.evidence.record("sql", f"{self.role}: ROLLBACK", "rolled back")
        finally:
            self.conn.close()

    # -- internals -------------------------------------------------------
    def _baseline_values(self, table: str) -> dict[str, object]:
        try:
            template = BASELINES[table]
        except KeyError:
            raise AssertionError(f"no baseline row known for {table} (add it to BASELINES in {__name__})") from None
        n = next(self._counter)
        values: dict[str, object] = {}
        for column, value in template.items():
            if isinstance(value, Parent):
                if column not in self._table_columns(table) and self._table_columns(table):
                    continue  # the table has no such column: nothing to point at a parent
                referenced = self._referenced(table, column)
                if referenced:  # the foreign key as the catalog has it: audit_events(id) as well as (event_id)
                    value = Parent(referenced[0], referenced[1], value.alias)
                values[column] = self._parent(value)
            elif isinstance(value, str):
                values[column] = value.replace("{u}", self.unique).replace("{n}", str(n)).replace(
                    "{uuid}", str(uuid.uuid4()))
            else:
                values[column] = value
        return self._fit(table, values, n)

    def _fit(self, table: str, values: dict[str, object], n: int) -> dict[str, object]:
        """The baseline narrowed to the table's columns, plus a value for every other required column."""
        columns = self._table_columns(table)
        if not columns:
            return values  # the table is missing or unreadable: the INSERT names the problem
        fitted = {c: v for c, v in values.items() if c in columns}
        allowed = self._allowed_values(table)
        for column, choices in allowed.items():  # the table's own enumeration, where the baseline's value is not in it
            if column in fitted and isinstance(fitted[column], str) and fitted[column] not in choices:
                fitted[column] = choices[0]
        for column, (data_type, required) in columns.items():
            if required and column not in fitted and column in allowed:
                fitted[column] = allowed[column][0]
            elif required and column not in fitted:
                filler = FILLERS.get(data_type, "x-{u}-{n}")
                fitted[column] = filler.replace("{u}", self.unique).replace("{n}", str(n)).replace(
                    "{uuid}", str(uuid.uuid4()))
        return fitted

    def _table_columns(self, table: str) -> dict[str, tuple[str, bool]]:
        if table not in self._columns:
            schema, _, name = table.partition(".")
            rows = self._execute(_COLUMNS, (schema, name))
            self._columns[table] = {column: (data_type, required) for column, data_type, required in rows}
        return self._columns[table]

    def _parent(self, parent: Parent) -> object:
        if parent not in self._parents:
            result = self._insert(parent.table, self._baseline_values(parent.table))
            if not result.accepted:
                raise AssertionError(f"could not create the {parent.table} row a foreign key needs: {result}")
            self._parents[parent] = result.row
        row = self._parents[parent]
        if parent.column not in row:
            raise AssertionError(f"the {parent.table} row a foreign key needs has no column {parent.column} "
                                 f"(columns: {', '.join(row)})")
        return row[parent.column]

    def _constraint_columns(self, table: str, constraint: str) -> tuple[str, list[str]]:
        rows = self._execute(_CONSTRAINT_COLUMNS, (table, constraint))
        if not rows:
            raise AssertionError(f"constraint {constraint} does not exist on {table}")
        return rows[0][0], list(rows[0][1])

    def _equivalent_constraint(self, table: str, constraint: str, kinds: str) -> list[str]:
        """The columns of the constraint named `constraint`, or of the table's constraint of that kind whose
        columns the name mentions most (`unique_account_symbol` -> (account_id, symbol)): names are the
        stack's own, only the rule counts."""
        found = {name: (kind, list(columns)) for name, kind, columns in self._execute(_CONSTRAINTS, (table, list(kinds)))}
        if constraint in found:
            return found[constraint][1]
        words = set(re.split(r"[^a-z0-9]+", constraint.lower())) - _NAME_NOISE

        def mentioned(columns: list[str]) -> float:
            return sum(bool(set(c.lower().split("_")) & words) for c in columns) / len(columns)

        # A primary key stands for the rule only when it is composite and the name mentions every column of it:
        # a duplicate surrogate id is refused by any table and proves nothing of the criterion's rule.
        candidates = {name: columns for name, (kind, columns) in found.items()
                      if kind != "p" or (len(columns) > 1 and mentioned(columns) == 1)}
        ranked = sorted(candidates.values(), key=mentioned, reverse=True)
        if ranked and (mentioned(ranked[0]) > 0 or len(ranked) == 1):
            return ranked[0]
        what = "UNIQUE" if "u" in kinds else "FOREIGN KEY"
        raise AssertionError(f"{table} has no {what} constraint like {constraint} (it has: "
                             f"{', '.join(found) or 'none of that kind'})")

    def _orphan_value(self, table: str, column: str) -> object:
        """A value of the column's type that no parent row has."""
        data_type = self._table_columns(table).get(column, ("uuid", False))[0]
        if data_type in ("integer", "bigint", "smallint", "numeric"):
            return "2147483000"
        return str(uuid.uuid4())

    def _referenced(self, table: str, column: str) -> tuple[str, str] | None:
        """(parent table, parent column) of the foreign key on `table`.`column`, from the catalog."""
        try:
            with self.conn.transaction():  # a savepoint: a failed catalog read keeps the transaction usable
                rows = self._execute(_REFERENCED, (table, column))
        except psycopg.Error:
            return None
        return (rows[0][0], rows[0][1]) if rows else None

    def _allowed_values(self, table: str) -> dict[str, list[str]]:
        """Per column, the values an enumeration CHECK allows (empty when the table has none)."""
        if table not in self._enums:
            allowed: dict[str, list[str]] = {}
            try:
                with self.conn.transaction():
                    definitions = [row[0] for row in self._execute(_ENUM_CHECKS, (table,))]
            except psycopg.Error:
                definitions = []
            for definition in definitions:
                for m in _ENUM.finditer(definition):
                    values = re.findall(r"'((?:[^']|'')*)'", m["values"])
                    if values:
                        allowed.setdefault(m["column"], [v.replace("''", "'") for v in values])
            self._enums[table] = allowed
        return self._enums[table]

    def _insert(self, table: str, values: dict[str, object]) -> InsertResult:
        schema, _, name = table.partition(".")
        columns = list(values)
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
            sql.Identifier(schema, name),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)))
        params = [Jsonb(v) if isinstance(v, (dict, list)) else v for v in values.values()]
        text = f"{self.role}: {statement.as_string(self.conn)} {params}"
        try:
            with self.conn.transaction():  # a savepoint: a refusal keeps the outer transaction usable
                row = self.conn.cursor(row_factory=dict_row).execute(statement, params).fetchone()
            result = InsertResult(table, text, row=row)
            self.evidence.record("sql", text, f"INSERT 0 1 {row}")
        except psycopg.Error as exc:
            result = InsertResult(table, text, error=exc)
            self.evidence.record("sql", text, f"ERROR [{exc.sqlstate}] constraint={exc.diag.constraint_name} "
                                              f"{str(exc).strip()}")
        return result

    def _execute(self, query: str, params: tuple | None = None) -> list[tuple]:
        text = f"{self.role}: {' '.join(query.split())} {params or ''}".strip()
        try:
            cursor = self.conn.execute(query, params)
        except psycopg.Error as exc:
            self.evidence.record("sql", text, f"ERROR [{exc.sqlstate}] {str(exc).strip()}")
            raise
        rows = cursor.fetchall() if cursor.description else []
        self.evidence.record("sql", text, rows if cursor.description else cursor.statusmessage)
        return rows
