"""What a scenario sent and what came back, kept for the report when it fails."""
from __future__ import annotations

from dataclasses import dataclass, field

from trading_harness.masking import mask


@dataclass
class Exchange:
    kind: str  # "redis", "sql", "http", ...
    request: str
    reply: str
    who: str | None = None  # the user or role the request ran as, when the probe knows it


@dataclass
class Evidence:
    """Requests and replies of one scenario, secrets masked on the way in."""

    exchanges: list[Exchange] = field(default_factory=list)

    def record(self, kind: str, request: str, reply: object, who: str | None = None) -> None:
        self.exchanges.append(Exchange(kind, mask(str(request)), mask(str(reply)), who))

    def __repr__(self) -> str:
        return f"Evidence({len(self.exchanges)} exchanges)"

    def render(self, last: int = 50) -> str:
        lines = []
        for ex in self.exchanges[-last:]:
            lines.append(f"[{ex.kind}] > {ex.request}\n[{ex.kind}] < {ex.reply}")
        return "\n".join(lines) or "(no requests recorded)"
