"""One scenario run at a time: begin, steps at their offsets, detection through the audit correlator, hold, reset.

States: idle -> running (steps) -> holding (effects in place, until reset or the scenario's timeout) ->
resetting -> idle. Reset is also what a failed step, a stop of the service and the timeout end in.

The run's trace context (a W3C traceparent) goes with every control call and every audit event, so the
audit correlator can link the injection ("chaos.injection", injected_ns taken before the injecting call)
to the risk monitor's alerts.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from simulators.common import http_client

from .controls import SERVICES, ControlError, Controls
from .scenarios import Scenario

log = logging.getLogger("coordinator")
KEPT_RUNS = 200
POLL = 0.02  # seconds between looks at the correlator and the risk monitor's feed


def _iso(ns: int | None = None) -> str:
    ns = ns or time.time_ns()
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Busy(Exception):
    """A scenario is already running or held."""


class Runner:
    def __init__(self, controls: Controls, correlator_url: str, instance: str, *, max_hold: float,
                 skip_market_reset: bool = False, no_timeout: bool = False):
        self.controls = controls
        self.correlator_url = correlator_url.rstrip("/")
        self.instance = instance
        self.max_hold = max_hold
        self.skip_market_reset = skip_market_reset  # the reset-skips-market-data fault
        self.no_timeout = no_timeout  # the no-timeout fault: a held scenario is never reset by the coordinator
        self.state = "idle"
        self.current: dict | None = None
        self.runs: dict[str, dict] = {}
        self._lock = threading.RLock()
        self._stop_run = threading.Event()
        self._reset_done = threading.Event()
        self._http = http_client.client(timeout=httpx.Timeout(2.0, connect=1.0))

    # -- starting ------------------------------------------------------------------------
    def start(self, scenario: Scenario) -> dict:
        with self._lock:
            if self.state != "idle":
                raise Busy(f"scenario {self.current['scenario_id']} is {self.state}; reset it first")
            scenario_id = f"{scenario.name}-{uuid.uuid4().hex[:12]}"
            trace, span = os.urandom(16).hex(), os.urandom(8).hex()
            run = {"scenario_id": scenario_id, "name": scenario.name, "title": scenario.title,
                   "trace_id": trace, "traceparent": f"00-{trace}-{span}-01", "state": "running",
                   "started_at": _iso(), "timeout_seconds": min(scenario.timeout, self.max_hold),
                   "detect": {"alerts": list(scenario.alerts), "within_seconds": scenario.within},
                   "steps": [], "injected_ns": None, "detection": None, "reset": None, "error": None}
            self.current, self.state = run, "running"
            self.runs[scenario_id] = run
            while len(self.runs) > KEPT_RUNS:
                self.runs.pop(next(iter(self.runs)))
            self._stop_run.clear()
            self._reset_done.clear()
        threading.Thread(target=self._run, args=(scenario, run), name=f"run-{scenario_id}", daemon=True).start()
        return dict(run)

    def _run(self, scenario: Scenario, run: dict) -> None:
        try:
            self.controls.begin(run["scenario_id"], run["traceparent"])
            began = time.monotonic()
            for step in scenario.steps:
                if self._stop_run.wait(max(0.0, began + step.at - time.monotonic())):
                    return
                if step.after_alert:  # wait for the earlier phase's alert, at most the detection bound
                    self._correlation(run, {step.after_alert}, self._injected_at(run) + scenario.within)
                    if self._stop_run.is_set():
                        return
                self._step(run, step)
            run["state"] = "holding"
            with self._lock:
                if self.state == "running":
                    self.state = "holding"
            run["detection"] = self._detection(scenario, run)
        except Exception as exc:  # noqa: BLE001 - whatever failed, the services go back to their baseline
            run["error"] = str(exc) if isinstance(exc, (ControlError, httpx.HTTPError)) else f"{type(exc).__name__}: {exc}"
            log.error("scenario failed; resetting", extra={"scenario_id": run["scenario_id"], "error": str(exc)})
            self.reset(reason="error")
            return
        if self._stop_run.wait(run["timeout_seconds"]) or self.no_timeout:
            return
        log.warning("scenario held past its timeout; resetting", extra={"scenario_id": run["scenario_id"]})
        self.reset(reason="timeout")

    def _step(self, run: dict, step) -> None:
        record = {"action": step.action, "at_seconds": step.at, "inject": step.inject, **step.args}
        run["steps"].append(record)
        breach = step.args.get("breach_percent")

        def on_publish(start: Decimal, price: Decimal, sent_ns: int) -> None:
            if step.inject and run["injected_ns"] is None and abs(price - start) / start * 100 > Decimal(str(breach)):
                self._injected(run, step, sent_ns, {"price": str(price)})

        sent_ns = time.time_ns()
        answer = self.controls.act(step.action, step.args, run["traceparent"], on_publish, self._stop_run)
        record["done_at"] = _iso()
        if step.inject and run["injected_ns"] is None and breach is None:
            self._injected(run, step, sent_ns, {})
        record["answer"] = answer

    def _injected(self, run: dict, step, injected_ns: int, extra: dict) -> None:
        run["injected_ns"] = injected_ns
        self._event(run, "chaos.injection", {"injected_ns": injected_ns, "action": step.action, **extra})

    def _event(self, run: dict, event_type: str, metadata: dict) -> None:
        self._http.post(f"{self.correlator_url}/api/v1/events", json={
            "service_name": "test-coordinator", "instance_name": self.instance, "event_type": event_type,
            "trace_id": run["trace_id"], "span_id": os.urandom(8).hex(), "status": "SUCCESS",
            "metadata": {"scenario_id": run["scenario_id"], "scenario": run["name"], **metadata}}).raise_for_status()

    @staticmethod
    def _injected_at(run: dict) -> float:
        return (run["injected_ns"] or time.time_ns()) / 1e9

    def _correlation(self, run: dict, wanted: set[str], deadline: float) -> dict:
        """The correlator's record of the run, polled until it links every wanted alert, the deadline
        (epoch seconds) passes or the run is stopped."""
        record: dict = {}
        while not self._stop_run.is_set():
            reply = self._http.get(f"{self.correlator_url}/api/v1/correlations/{run['scenario_id']}")
            record = reply.json() if reply.status_code == 200 else {}
            if wanted <= _rules(record) or time.time() > deadline:
                break
            self._stop_run.wait(POLL)
        return record

    def _detection(self, scenario: Scenario, run: dict) -> dict:
        """The correlator's record once every expected alert is linked, or when the bound (+1 s) passed."""
        record = self._correlation(run, set(scenario.alerts), self._injected_at(run) + scenario.within + 1.0)
        rules = sorted(_rules(record))
        latency = record.get("detection_latency_ms")
        return {"linked": bool(record.get("linked")), "rules": rules, "detection_latency_ms": latency,
                "within_ms": round(scenario.within * 1000, 3),
                "in_time": latency is not None and latency <= scenario.within * 1000
                and set(scenario.alerts) <= set(rules)}

    # -- reset -----------------------------------------------------------------------------
    def reset(self, reason: str = "requested") -> dict:
        """Every service back at its baseline (the risk monitor last, once the feed's reset reached it)."""
        with self._lock:
            run = self.current
            self.state = "resetting"
            self._stop_run.set()
        began = time.monotonic()
        errors, states = [], {}
        traceparent = run["traceparent"] if run else None
        for service in ("strategy", "exchange", "custodian", "market-data"):
            if service == "market-data" and self.skip_market_reset:
                continue
            try:
                states[service] = self.controls.reset(service, traceparent)
            except ControlError as exc:
                errors.append(str(exc))
        if "market-data" in states:
            self._wait_feed_reached(states["market-data"])
        try:
            states["risk-monitor"] = self.controls.reset("risk-monitor", traceparent)
        except ControlError as exc:
            errors.append(str(exc))
        for service in SERVICES:  # what each reports now
            try:
                states[service] = self.controls.state(service)
            except ControlError as exc:
                errors.append(str(exc))
        seconds = time.monotonic() - began
        result = {"reason": reason, "seconds": round(seconds, 4), "at": _iso(), "errors": errors,
                  "baseline": not errors and all(s.get("baseline") for s in states.values()),
                  "services": {name: {"baseline": s.get("baseline")} for name, s in states.items()}}
        if run:
            try:
                self._event(run, "chaos.reset", {"reason": reason, "seconds": result["seconds"],
                                                 "baseline": result["baseline"]})
            except httpx.HTTPError as exc:
                result["errors"].append(f"audit correlator: {exc}")
        with self._lock:  # the run reads as reset when, and not before, the coordinator is idle
            if run:
                run["reset"], run["state"] = result, "reset"
            self.state, self.current = "idle", None
        self._reset_done.set()
        return result

    def _wait_feed_reached(self, market_state: dict) -> None:
        """Until the risk monitor has seen the market-data reset's quotes (deadline 2 s)."""
        wanted = market_state.get("reset_sequences", {})
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                seen = self.controls.state("risk-monitor").get("feed_sequences", {})
            except ControlError:
                return
            if all(seen.get(s, 0) >= seq for s, seq in wanted.items() if s in seen):
                return
            threading.Event().wait(POLL)

    def status(self) -> dict:
        with self._lock:
            current = dict(self.current) if self.current else None
            return {"state": self.state, "current": current,
                    "last": dict(next(reversed(self.runs.values()))) if self.runs else None}

    def close(self) -> None:
        if self.state != "idle":
            self.reset(reason="shutdown")
        self._http.close()


def _rules(record: dict) -> set[str]:
    """The alert rules a correlation record links."""
    return {a["metadata"].get("rule") for a in record.get("alerts", [])}
