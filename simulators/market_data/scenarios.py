"""Scenario simulation (StreamScenario): a simulated price path for one symbol; the live feed is untouched.

With p = progress from 0 to 1, s the symbol's live price when the scenario starts, r(t) the live price
at each step and i the intensity in (0, 1], every path carries a small bounded noise
(|noise| <= 3 * min(PRICE_SIGMA, i / 100)) and has this testable shape:

    rally           s * exp(+i * p): the last price is at least s * (1 + i/2)  (first * (1 + i/2))
    crash           s * exp(-i * p): the last price is at most first * (1 - i/2)
    divergence      r * (1 + i * p): starts within i/10 of the live price, ends at least i/2 away from it
    mean-reverting  r * (1 + i * exp(-5p)): starts at least i/2 above the live price, ends within i/10 of it
"""
from __future__ import annotations

import math
import random
from decimal import Decimal

RALLY, CRASH, DIVERGENCE, MEAN_REVERTING = "RALLY", "CRASH", "DIVERGENCE", "MEAN_REVERTING"
KINDS = (RALLY, CRASH, DIVERGENCE, MEAN_REVERTING)
MAX_STEPS = 10_000
MAX_DURATION_MS = 600_000.0


class ScenarioError(ValueError):
    """An invalid StreamScenario argument (INVALID_ARGUMENT)."""


def validate(kind: str, intensity: float, duration_ms: float, interval_ms: float, feed_interval_s: float) -> int:
    """The number of steps after the start (>= 1); ScenarioError names the bad argument."""
    if kind not in KINDS:
        raise ScenarioError(f"type must be one of {', '.join(KINDS)}")
    if not (math.isfinite(intensity) and 0 < intensity <= 1):
        raise ScenarioError("intensity must be in (0, 1]")
    if not (math.isfinite(duration_ms) and 0 < duration_ms <= MAX_DURATION_MS):
        raise ScenarioError(f"duration_ms must be in (0, {MAX_DURATION_MS:.0f}]")
    if not math.isfinite(interval_ms) or interval_ms < 0:
        raise ScenarioError("interval_ms must not be negative")
    step_ms = interval_ms or feed_interval_s * 1000
    steps = max(1, round(duration_ms / step_ms))
    if steps > MAX_STEPS:
        raise ScenarioError(f"duration_ms / interval_ms must be at most {MAX_STEPS} steps")
    return steps


class ScenarioPath:
    def __init__(self, kind: str, start: Decimal, intensity: float, sigma: float, seed: int | None = None):
        self.kind = kind
        self.start = float(start)
        self.intensity = intensity
        self.noise = min(sigma, intensity / 100)
        self._random = random.Random(seed)

    def price(self, progress: float, live: Decimal) -> Decimal:
        i, p, r = self.intensity, progress, float(live)
        if self.kind == RALLY:
            value = self.start * math.exp(i * p)
        elif self.kind == CRASH:
            value = self.start * math.exp(-i * p)
        elif self.kind == DIVERGENCE:
            value = r * (1 + i * p)
        else:
            value = r * (1 + i * math.exp(-5 * p))
        noise = max(-3 * self.noise, min(3 * self.noise, self._random.gauss(0.0, self.noise))) if self.noise else 0.0
        return Decimal(repr(value * (1 + noise)))
