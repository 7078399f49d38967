"""The result of one probe request: what came back, or how it was refused."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reply: object = None
    error: str = ""
    code: str = ""  # NOPERM, WRONGPASS, NOAUTH, SQLSTATE, HTTP status ...

    def __str__(self) -> str:
        return f"ok: {self.reply!r}" if self.ok else f"refused [{self.code}]: {self.error}"
