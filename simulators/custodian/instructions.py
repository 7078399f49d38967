"""Settlement instructions: the fields a client sends, checked the same way for REST and gRPC."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from simulators.common.contract import Amount, Text, body
from simulators.common.http import ApiError

TYPES = ("DEPOSIT", "WITHDRAWAL", "TRANSFER")
STATUSES = ("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED")
OPEN = ("PENDING", "IN_PROGRESS")
ASSET = re.compile(r"^[A-Z0-9]{2,10}$")
BODY = body("A settlement instruction: a TRANSFER names both accounts, one of them account_id.",
            external_id=Text(required=False, description="idempotency key"),
            settlement_type=Text(max_len=20, choices=TYPES), account_id=Text(),
            symbol=Text(max_len=10, pattern=ASSET.pattern[1:-1], code="invalid_symbol", what="symbol"),
            quantity=Amount(), source_account=Text(required=False), destination_account=Text(required=False))
FIELDS = tuple(BODY.fields)


@dataclass(frozen=True)
class Instruction:
    external_id: str | None
    settlement_type: str
    account_id: str
    symbol: str  # the asset, e.g. "BTC"
    quantity: Decimal
    source_account: str | None
    destination_account: str | None

    @property
    def delta(self) -> Decimal:
        """What the instruction does to account_id's holding of symbol: + in, - out."""
        incoming = self.settlement_type == "DEPOSIT" or (
            self.settlement_type == "TRANSFER" and self.destination_account == self.account_id)
        return self.quantity if incoming else -self.quantity


def _invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_value", message)


def parse(data: dict) -> Instruction:
    """An Instruction from BODY's checked fields (BODY.parse); ApiError (4xx) for a rule across fields."""
    kind, account, source, destination = (data[name] for name in (
        "settlement_type", "account_id", "source_account", "destination_account"))
    instruction = Instruction(**data)
    if kind == "TRANSFER":
        if source is None or destination is None:
            raise ApiError(422, "missing_field", "A TRANSFER needs both source_account and destination_account.")
        if source == destination:
            raise _invalid("A TRANSFER's source_account and destination_account must differ.")
        if account not in (source, destination):
            raise _invalid("A TRANSFER's account_id must be its source_account or its destination_account.")
    elif kind == "DEPOSIT" and destination not in (None, account):
        raise _invalid("A DEPOSIT's destination_account, when given, must be its account_id.")
    elif kind == "WITHDRAWAL" and source not in (None, account):
        raise _invalid("A WITHDRAWAL's source_account, when given, must be its account_id.")
    return instruction


def from_message(message) -> Instruction:
    """An Instruction from a SettlementInstruction protobuf (empty strings are absent fields)."""
    return parse(BODY.parse({name: value for name in FIELDS if (value := getattr(message, name))}))
