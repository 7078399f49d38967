"""The risk monitor's alerts: one active alert per (rule, subject), each sent to the audit correlator.

An alert raised while a chaos scenario is in progress carries its scenario id and trace id, so the
audit correlator can link it to the injection. Audit events go out from a sender thread (POST
/api/v1/events, event_type "risk.alert"), so detection never waits on the correlator.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime

import httpx

from simulators.common import http_client

log = logging.getLogger("alerts")
KEPT = 1000


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AlertBook:
    def __init__(self, correlator_url: str | None, instance: str, context, *, silent: bool = False,
                 unaudited: bool = False, timeout: float = 2.0):
        self.correlator_url = correlator_url.rstrip("/") if correlator_url else None
        self.instance = instance
        self.context = context  # simulators.common.chaos.ChaosContext
        self.silent = silent  # the never-alerts fault
        self.unaudited = unaudited  # the no-audit-events fault
        self.timeout = timeout
        self.sent = self.send_failures = 0
        self._alerts: deque[dict] = deque(maxlen=KEPT)
        self._active: dict[tuple[str, str], dict] = {}
        self._lock = threading.Lock()
        self._outbox: queue.Queue[dict | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send_all, name="alert-sender", daemon=True)

    def start(self) -> None:
        self._sender.start()

    def stop(self) -> None:
        self._outbox.put(None)
        self._sender.join(timeout=self.timeout + 1)

    # -- raising -----------------------------------------------------------------------
    def raise_alert(self, rule: str, subject: str, message: str, severity: str = "WARNING",
                    details: dict | None = None, observed_ns: int | None = None) -> dict | None:
        """The new alert, or None when (rule, subject) is already active (or alerts are switched off)."""
        if self.silent:
            return None
        now = time.time_ns()
        with self._lock:
            if (rule, subject) in self._active:
                return None
            alert = {"alert_id": str(uuid.uuid4()), "rule": rule, "subject": subject, "severity": severity,
                     "message": message, "details": details or {}, "raised_at": _iso(now), "raised_ns": now,
                     "observed_ns": observed_ns or now, "active": True, "resolved_at": None,
                     "scenario_id": self.context.scenario_id, "trace_id": self.context.trace_id,
                     "span_id": os.urandom(8).hex()}
            self._active[(rule, subject)] = alert
            self._alerts.append(alert)
        log.warning("risk alert", extra={"rule": rule, "subject": subject, "alert_message": message,
                                         "scenario_id": alert["scenario_id"] or ""})
        if not self.unaudited:
            self._outbox.put(alert)
        return alert

    def resolve(self, rule: str, subject: str) -> None:
        with self._lock:
            alert = self._active.pop((rule, subject), None)
            if alert:
                alert["active"], alert["resolved_at"] = False, _iso(time.time_ns())

    def is_active(self, rule: str, subject: str) -> bool:
        with self._lock:
            return (rule, subject) in self._active

    def resolve_all(self) -> None:
        with self._lock:
            for alert in self._active.values():
                alert["active"], alert["resolved_at"] = False, _iso(time.time_ns())
            self._active.clear()

    # -- reading -------------------------------------------------------------------------
    def listing(self, scenario_id: str | None = None, active: bool | None = None) -> list[dict]:
        with self._lock:
            found = [dict(a) for a in reversed(self._alerts)
                     if (scenario_id is None or a["scenario_id"] == scenario_id)
                     and (active is None or a["active"] == active)]
        return found

    def get(self, alert_id: str) -> dict | None:
        with self._lock:
            return next((dict(a) for a in self._alerts if a["alert_id"] == alert_id), None)

    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    # -- audit events ----------------------------------------------------------------------
    def _send_all(self) -> None:
        with http_client.client(timeout=self.timeout) as client:
            while (alert := self._outbox.get()) is not None:
                if self.correlator_url:
                    self._send(client, alert)

    def _send(self, client: httpx.Client, alert: dict) -> None:
        event = {"service_name": "risk-monitor", "instance_name": self.instance, "event_type": "risk.alert",
                 "status": "SUCCESS", "severity": alert["severity"], "span_id": alert["span_id"],
                 "metadata": {k: alert[k] for k in ("alert_id", "rule", "subject", "message", "raised_ns",
                                                    "observed_ns", "scenario_id")}}
        if alert["trace_id"]:
            event["trace_id"] = alert["trace_id"]
        try:
            reply = client.post(f"{self.correlator_url}/api/v1/events", json=event)
            reply.raise_for_status()
            self.sent += 1
        except httpx.HTTPError as exc:
            self.send_failures += 1
            log.warning("audit event not recorded", extra={"error": str(exc), "alert_id": alert["alert_id"]})
