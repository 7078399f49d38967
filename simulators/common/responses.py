"""What a route handler hands back: a Response, or an ApiError that becomes one (a 4xx/5xx JSON error)."""
from __future__ import annotations

from dataclasses import dataclass, field

JSON_TYPE = "application/json"


class ApiError(Exception):
    """A client-visible failure: status, short error code and a human sentence."""

    def __init__(self, status: int, error: str, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response(self.status, {"error": self.error, "message": self.message}, dict(self.headers))


@dataclass
class Response:
    status: int
    body: object = None  # JSON-serialisable, bytes (sent as is, with content_type), or None for no body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE
