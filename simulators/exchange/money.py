"""Money is Decimal, quantised to 8 places (the schema's DECIMAL(24, 8)); never float."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ASSETS = ("BTC", "ETH", "USD", "USDT")
PLACES = Decimal("0.00000001")
ZERO = Decimal("0")


def q8(value: Decimal) -> Decimal:
    """value rounded to 8 decimal places, half away from zero as PostgreSQL rounds numeric."""
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def text(value: Decimal) -> str:
    """The JSON form of an amount: a plain decimal string with 8 places."""
    return f"{q8(value):f}"
