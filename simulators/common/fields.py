"""Validation of request fields for the simulators' domain APIs: every problem is a 4xx ApiError."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from .http import ApiError, Request, Response, Router

SYMBOL = re.compile(r"^[A-Z0-9]{2,10}/[A-Z0-9]{2,10}$")
MAX_DECIMAL = Decimal("1e15")


def _error(code: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, code, message)


def only(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _error("unknown_field", f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}.")


def text(body: dict, field: str, *, max_len: int = 100, required: bool = True, default: str | None = None,
         choices: tuple[str, ...] | None = None) -> str | None:
    if field not in body or body[field] is None:
        if required:
            raise _error("missing_field", f"The field '{field}' is required.")
        return default
    value = body[field]
    if not isinstance(value, str):
        raise _error("wrong_type", f"The field '{field}' must be a string.")
    if not value.strip() or len(value) > max_len:
        raise _error("invalid_value", f"The field '{field}' must be 1 to {max_len} characters.")
    if choices is not None and value not in choices:
        raise _error("invalid_value", f"The field '{field}' must be one of {', '.join(choices)}; got {value!r}.")
    return value


def amount(body: dict, field: str, *, positive: bool = True, required: bool = True) -> Decimal | None:
    """A decimal amount, given as a string ("1.5") or an integer; floats are refused (no binary money)."""
    if field not in body or body[field] is None:
        if required:
            raise _error("missing_field", f"The field '{field}' is required.")
        return None
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _error("wrong_type", f"The field '{field}' must be a decimal string such as \"1.5\".")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _error("invalid_value", f"The field '{field}' is not a decimal number: {value!r}.") from None
    if not number.is_finite() or abs(number) >= MAX_DECIMAL or number.as_tuple().exponent < -8:
        raise _error("invalid_value", f"The field '{field}' must be finite, below 1e15, with at most 8 decimals.")
    if positive and number <= 0:
        raise _error("invalid_value", f"The field '{field}' must be greater than zero; got {value}.")
    if not positive and number < 0:
        raise _error("invalid_value", f"The field '{field}' must not be negative; got {value}.")
    return number


def symbol(value: str) -> str:
    if not isinstance(value, str) or not SYMBOL.match(value):
        raise _error("invalid_symbol", f"The symbol {value!r} must look like BTC/USD.")
    return value


def identifier(value: str, what: str = "id") -> str:
    """A UUID path parameter; 404 (not 500) for anything that is not one."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise _error("not_found", f"No {what} {value!r}.", status=404) from None


def add_lookup(router: Router, pattern: str, fetch, what: str) -> None:
    """GET pattern (ending in {id}): the record fetch(id) returns, or a JSON 404 for an unknown or malformed id."""
    def lookup(request: Request) -> Response:
        ident = identifier(request.params["id"], what)
        record = fetch(ident)
        if record is None:
            raise ApiError(404, "not_found", f"No {what} {ident}.")
        return Response(200, record)

    router.add("GET", pattern, lookup)
