"""The exchange's rows as monitor_user reads them (the adapter role writes them, monitor_user only reads)."""
from __future__ import annotations

from decimal import Decimal

from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

from .postgres_probe import monitor_probe

FOOTPRINT = {  # per account: what a request could have written
    "orders": "SELECT count(*) FROM {s}.orders WHERE account_id = %s",
    "trades": "SELECT count(*) FROM {s}.trades WHERE account_id = %s",
    "order_history": "SELECT count(*) FROM {s}.order_history h JOIN {s}.orders o USING (order_id) WHERE o.account_id = %s",
    "audit_log": "SELECT count(*) FROM {s}.audit_log WHERE account_id = %s",
    "settlement_outbox": "SELECT count(*) FROM {s}.settlement_outbox WHERE account_id = %s",
    "balances": "SELECT count(*) FROM {s}.balances WHERE account_id = %s",
}


class ExchangeRows:
    def __init__(self, stack: Stack, evidence: Evidence, schema: str = "exchange"):
        self.schema = schema
        self.probe = monitor_probe(stack, evidence)

    def close(self) -> None:
        self.probe.close()

    def query(self, sql: str, args: tuple = ()) -> list[tuple]:
        outcome = self.probe.run(sql.format(s=self.schema), args)
        assert outcome.ok, outcome
        return outcome.reply

    def footprint(self, account_id: str) -> dict[str, int]:
        """How many rows of each table belong to the account."""
        return {table: self.query(sql, (account_id,))[0][0] for table, sql in FOOTPRINT.items()}

    def balances(self, account_id: str) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
        rows = self.query("SELECT symbol, available_balance, locked_balance, total_balance FROM {s}.balances "
                          "WHERE account_id = %s", (account_id,))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def accounts_of_user(self, user_id: str) -> int:
        return self.query("SELECT count(*) FROM {s}.accounts WHERE user_id = %s", (user_id,))[0][0]

    def order(self, order_id: str) -> tuple | None:
        rows = self.query("SELECT status, quantity, filled_quantity, side, order_type FROM {s}.orders "
                          "WHERE order_id = %s", (order_id,))
        return rows[0] if rows else None

    def trades(self, order_id: str) -> list[tuple]:
        return self.query("SELECT trade_id::text, quantity, price, value FROM {s}.trades WHERE order_id = %s",
                          (order_id,))

    def history(self, order_id: str) -> list[str]:
        """The statuses the order went through, in order."""
        rows = self.query("SELECT new_status FROM {s}.order_history WHERE order_id = %s ORDER BY changed_at",
                          (order_id,))
        return [r[0] for r in rows]

    def audit_actions(self, account_id: str) -> list[tuple]:
        return self.query("SELECT action, entity_type, reference, old_value IS NOT NULL, new_value IS NOT NULL "
                          "FROM {s}.audit_log WHERE account_id = %s ORDER BY audit_id", (account_id,))

    def outbox(self, account_id: str) -> list[tuple]:
        return self.query("SELECT external_id, settlement_type, symbol, quantity, source_account, destination_account, "
                          "status, settlement_id FROM {s}.settlement_outbox WHERE account_id = %s ORDER BY outbox_id",
                          (account_id,))
