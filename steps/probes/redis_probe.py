"""Run Redis commands as one ACL user and classify the outcome."""
from __future__ import annotations

import redis

from trading_harness.evidence import Evidence

from .outcome import Outcome


def _code(exc: Exception) -> str:
    text = str(exc)
    if "NOAUTH" in text or "Authentication required" in text:
        return "NOAUTH"
    if isinstance(exc, redis.exceptions.NoPermissionError) or text.startswith("NOPERM") or "no permissions" in text:
        return "NOPERM"
    if isinstance(exc, redis.exceptions.AuthenticationError) or "WRONGPASS" in text or "invalid username-password" in text:
        return "WRONGPASS"
    if isinstance(exc, redis.exceptions.ConnectionError):
        return "CONNECTION"
    return type(exc).__name__


class RedisProbe:
    """A connection as `user` (None: unauthenticated) that records every command it sends."""

    def __init__(self, host: str, port: int, user: str | None, password: str | None, evidence: Evidence):
        self.user = user or "(no user)"
        self.evidence = evidence
        self.connection = redis.Connection(host=host, port=port, username=user, password=password,
                                           socket_timeout=3, socket_connect_timeout=3,
                                           protocol=2)

    def run(self, *command: str) -> Outcome:
        """Send one command and read the raw reply (no client-side parsing)."""
        request = f"{self.user}: {' '.join(command)}"
        try:
            self.connection.send_command(*command)
            outcome = Outcome(True, reply=self.connection.read_response())
        except redis.exceptions.RedisError as exc:
            outcome = Outcome(False, error=str(exc), code=_code(exc))
        self.evidence.record("redis", request, outcome, who=self.user)
        return outcome

    def close(self) -> None:
        self.connection.disconnect()
