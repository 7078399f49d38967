"""Checks over what a price subscriber received and over scenario paths: each returns the problems found."""
from __future__ import annotations

import math
from decimal import Decimal

from simulators.risk_monitor.prices import Received

TICK = Decimal("0.00000001")


def symbols_in(text: str) -> list[str]:
    """'BTC/USD, ETH/USD and SOL/USD' -> ['BTC/USD', 'ETH/USD', 'SOL/USD']."""
    return [s.strip() for s in text.replace(" and ", ", ").split(",") if s.strip()]


def live(updates: list[Received]) -> list[Received]:
    """The updates published while subscribed: without the first update of each symbol per connection
    (the current quote the stream starts with, which may be older)."""
    seen: set[tuple[int, str]] = set()
    out = []
    for u in updates:
        if (u.connection, u.symbol) in seen:
            out.append(u)
        seen.add((u.connection, u.symbol))
    return out


def by_symbol(updates: list[Received]) -> dict[str, list[Received]]:
    out: dict[str, list[Received]] = {}
    for u in updates:
        out.setdefault(u.symbol, []).append(u)
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread_problems(updates: list[Received], bps: Decimal) -> list[str]:
    """Updates whose ask - bid is not bps of the price (each side rounded to 8 places)."""
    return [f"{u.symbol} #{u.feed_sequence}: ask-bid {u.ask - u.bid} for price {u.price}"
            for u in updates if abs((u.ask - u.bid) - u.price * bps / 10000) > 2 * TICK]


def volatility_problems(updates: list[Received], sigma: float, bound: float = 6) -> list[str]:
    """Steps between consecutive updates of a symbol larger than bound * sigma (log return), and symbols that never moved."""
    problems = []
    for symbol, items in by_symbol(updates).items():
        steps = [math.log(b.price / a.price) for a, b in zip(items, items[1:], strict=False)]
        problems += [f"{symbol}: a step of {s:+.5f} (bound {bound * sigma})" for s in steps if abs(s) > bound * sigma]
        if not any(steps):
            problems.append(f"{symbol}: the price never moved over {len(items)} updates")
    return problems


def scenario_problems(kind: str, updates: list, intensity: float) -> list[str]:
    """The documented shape of each scenario type (simulators/market_data/scenarios.py)."""
    if len(updates) < 2:
        return [f"only {len(updates)} updates"]
    first, last = updates[0], updates[-1]
    p0, p1 = float(first.price.price), float(last.price.price)
    r0, r1 = float(first.reference_price), float(last.reference_price)
    checks = {
        "RALLY": (p1 >= p0 * (1 + intensity / 2), f"a rally ends at {p1} from {p0}: below +{intensity / 2:.0%}"),
        "CRASH": (p1 <= p0 * (1 - intensity / 2), f"a crash ends at {p1} from {p0}: above -{intensity / 2:.0%}"),
        "DIVERGENCE": (abs(p0 / r0 - 1) <= intensity / 10 and abs(p1 / r1 - 1) >= intensity / 2,
                       f"a divergence goes from {p0} (live {r0}) to {p1} (live {r1})"),
        "MEAN_REVERTING": (abs(p0 / r0 - 1) >= intensity / 2 and abs(p1 / r1 - 1) <= intensity / 10,
                           f"a mean reversion goes from {p0} (live {r0}) to {p1} (live {r1})"),
    }
    ok, why = checks[kind]
    return [] if ok else [why]
