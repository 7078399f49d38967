"""Scenario definitions: YAML files (stack/scenarios/*.yaml, or one given by path or as text), checked.

    name: market-crash
    title: Market crash
    description: 15% coordinated price drop across all assets
    detect: {alerts: [price_drop], within: 10 ticks}   # the first alert, counted from the injection
    timeout: 30s                                       # held this long at most, then reset by the coordinator
    steps:
      - {at: 0s, action: market.shock, percent: "-15", inject: true}

A step may also wait for an alert: `after_alert: settlement_delayed` holds it, past its `at`, until the
correlator links that alert to the run (at most the detection bound), so a later phase never begins
before the earlier one was detected, however loaded the machine.

Durations: "500ms", "2s", "36h", or "N ticks" (PRICE_UPDATE_INTERVAL) / "N cycles" (SETTLEMENT_CYCLE), so a
bound follows the stack's compressed time. Actions and their fields are in ACTIONS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
DURATION = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h|ticks?|cycles?)?\s*$")
ACTIONS = {  # action -> (required fields, optional fields)
    "market.shock": ({"percent"}, set()),
    "market.set_price": ({"symbol", "price"}, set()),
    "market.ramp": ({"symbol", "to", "over", "compressed_to", "steps"}, {"breach_percent"}),
    "market.disruption": (set(), {"latency_ms", "corrupt"}),
    "exchange.downtime": ({"down"}, set()),
    "custodian.settlements": (set(), {"delay", "fail"}),
    "strategy.runaway": ({"orders_per_tick"}, set()),
}
STEP_KEYS = {"at", "action", "inject", "after_alert"}


class ScenarioError(ValueError):
    """A scenario definition that cannot run; the message names the file and the problem."""


@dataclass(frozen=True)
class Clock:
    """What "ticks" and "cycles" are worth on this stack, in seconds."""

    tick: float = 1.0
    cycle: float = 2.0

    def seconds(self, text: object, where: str) -> float:
        m = DURATION.match(str(text))
        if not m:
            raise ScenarioError(f"{where}: {text!r} is not a duration (500ms, 2s, 36h, 10 ticks, 20 cycles)")
        unit = (m["unit"] or "s").rstrip("s") if (m["unit"] or "s") not in ("s", "ms") else m["unit"] or "s"
        scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "tick": self.tick, "cycle": self.cycle}[unit]
        return float(m["num"]) * scale


@dataclass(frozen=True)
class Step:
    at: float
    action: str
    args: dict
    inject: bool
    after_alert: str | None = None  # wait until this alert is linked to the run (at most the detection bound)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    alerts: tuple[str, ...]
    within: float
    timeout: float
    steps: tuple[Step, ...]
    source: str = ""
    raw: dict = field(default_factory=dict, compare=False)

    def describe(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "detect": {"alerts": list(self.alerts), "within_seconds": self.within},
                "timeout_seconds": self.timeout, "source": self.source,
                "steps": [{"at_seconds": s.at, "action": s.action, "inject": s.inject, **s.args,
                           **({"after_alert": s.after_alert} if s.after_alert else {})} for s in self.steps]}


def parse(text: str, source: str, clock: Clock) -> Scenario:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{source}: expected a mapping with name, detect and steps")
    unknown = set(doc) - {"name", "title", "description", "detect", "timeout", "steps"}
    if unknown:
        raise ScenarioError(f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name = str(doc.get("name", ""))
    if not NAME.match(name):
        raise ScenarioError(f"{source}: name must be 1-48 characters of a-z, 0-9 and '-' (got {name!r})")
    detect = doc.get("detect")
    if not isinstance(detect, dict) or not isinstance(detect.get("alerts"), list) or not detect["alerts"] \
            or "within" not in detect or set(detect) - {"alerts", "within"}:
        raise ScenarioError(f"{source}: detect must be {{alerts: [rule, ...], within: duration}}")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(f"{source}: steps must be a non-empty list")
    steps = tuple(_step(raw, f"{source}: step {i + 1}", clock) for i, raw in enumerate(raw_steps))
    if sum(s.inject for s in steps) != 1:
        raise ScenarioError(f"{source}: exactly one step must be marked inject: true (the detection counts from it)")
    return Scenario(name=name, title=str(doc.get("title", name)), description=str(doc.get("description", "")),
                    alerts=tuple(str(a) for a in detect["alerts"]), within=clock.seconds(detect["within"], source),
                    timeout=clock.seconds(doc.get("timeout", "30s"), source),
                    steps=tuple(sorted(steps, key=lambda s: s.at)), source=source, raw=doc)


def _step(raw: object, where: str, clock: Clock) -> Step:
    if not isinstance(raw, dict) or raw.get("action") not in ACTIONS:
        raise ScenarioError(f"{where}: action must be one of {', '.join(ACTIONS)}")
    required, optional = ACTIONS[raw["action"]]
    args = {k: v for k, v in raw.items() if k not in STEP_KEYS}
    missing, extra = required - set(args), set(args) - required - optional
    if missing or extra:
        raise ScenarioError(f"{where} ({raw['action']}): " + "; ".join(
            part for part in (f"missing {', '.join(sorted(missing))}" if missing else "",
                              f"unknown {', '.join(sorted(map(str, extra)))}" if extra else "") if part))
    inject = raw.get("inject", False)
    if not isinstance(inject, bool):
        raise ScenarioError(f"{where}: inject must be true or false")
    if raw["action"] == "market.ramp":
        for key in ("over", "compressed_to"):
            args[key] = clock.seconds(args[key], where)
        if not isinstance(args["steps"], int) or not 1 <= args["steps"] <= 10_000:
            raise ScenarioError(f"{where}: steps must be an integer from 1 to 10000")
    after = raw.get("after_alert")
    if after is not None and (not isinstance(after, str) or not after):
        raise ScenarioError(f"{where}: after_alert must be an alert rule name")
    return Step(clock.seconds(raw.get("at", "0s"), where), raw["action"], args, inject, after)


def load_dir(directory: Path, clock: Clock) -> dict[str, Scenario]:
    """Every *.yaml / *.yml scenario in the directory, by name; ScenarioError for the first bad one."""
    found: dict[str, Scenario] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        scenario = parse(path.read_text(), str(path), clock)
        if scenario.name in found:
            raise ScenarioError(f"{path}: scenario {scenario.name!r} is also defined in {found[scenario.name].source}")
        found[scenario.name] = scenario
    return found


def load_file(path: str, clock: Clock) -> Scenario:
    file = Path(path)
    try:
        if not file.is_file():
            raise ScenarioError(f"{path}: no such scenario file")
        text = file.read_text()
    except (OSError, UnicodeDecodeError) as exc:  # a name too long, a directory loop, a file not UTF-8: a 422, never a 500
        reason = exc.args[-1] if exc.args else exc
        raise ScenarioError(f"{path[:200]}: cannot read the scenario file ({type(exc).__name__}: {reason})") from None
    return parse(text, str(file), clock)
