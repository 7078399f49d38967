"""Validation of request fields for the simulators' domain APIs: every problem is a 4xx ApiError."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

from .contract import Amount, Text
from .http import ApiError, Request, Response, Router

SYMBOL = re.compile(r"^[A-Z0-9]{2,10}/[A-Z0-9]{2,10}$")


def _error(code: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, code, message)


def only(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _error("unknown_field", f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}.")


def text(body: dict, field: str, *, max_len: int = 100, required: bool = True, default: str | None = None,
         choices: tuple[str, ...] | None = None) -> str | None:
    """body[field] checked as a contract.Text (for callers without a declared Body, e.g. gRPC)."""
    return Text(required=required, default=default, max_len=max_len, choices=choices).take(body, field)


def amount(body: dict, field: str, *, positive: bool = True, required: bool = True) -> Decimal | None:
    """body[field] checked as a contract.Amount: a decimal string or an integer; floats are refused."""
    return Amount(required=required, sign="positive" if positive else "non-negative").take(body, field)


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
