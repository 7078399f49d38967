"""Settlement instructions: the fields a client sends, checked the same way for REST and gRPC."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from simulators.common import fields
from simulators.common.http import ApiError

TYPES = ("DEPOSIT", "WITHDRAWAL", "TRANSFER")
STATUSES = ("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED")
OPEN = ("PENDING", "IN_PROGRESS")
ASSET = re.compile(r"^[A-Z0-9]{2,10}$")
FIELDS = ("external_id", "settlement_type", "account_id", "symbol", "quantity", "source_account",
          "destination_account")


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


def parse(body: dict) -> Instruction:
    """An Instruction from a JSON-like dict; ApiError (4xx) naming the first bad field."""
    fields.only(body, FIELDS)
    kind = fields.text(body, "settlement_type", max_len=20, choices=TYPES)
    account = fields.text(body, "account_id")
    asset = fields.text(body, "symbol", max_len=10)
    if not ASSET.match(asset):
        raise ApiError(422, "invalid_symbol", f"The symbol {asset!r} must be an asset code such as BTC or USD.")
    source = fields.text(body, "source_account", required=False)
    destination = fields.text(body, "destination_account", required=False)
    instruction = Instruction(
        external_id=fields.text(body, "external_id", required=False),
        settlement_type=kind, account_id=account, symbol=asset,
        quantity=fields.amount(body, "quantity", positive=True),
        source_account=source, destination_account=destination)
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
    return parse({name: value for name in FIELDS if (value := getattr(message, name))})
