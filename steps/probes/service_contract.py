"""One application service against the ecosystem's contract: health, ready, metrics, JSON logs, SIGTERM.

Each check takes the service's compose name and raises AssertionError naming what is wrong, or
NotApplicable when the stack does not ask the service for what it checks. Nothing here assumes the
reference simulators' field names: a log line is any JSON object, a level is under any usual key.
"""
from __future__ import annotations

import json
import re
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from steps.probes.application_services import NotApplicable
from steps.probes.service_probe import ServiceProbe
from trading_harness.polling import DeadlineExceeded, wait_until
from trading_harness.targets.stack import Stack

HEALTH, READY = "/api/v1/health", "/api/v1/ready"
METRICS_PATHS = ("/metrics", "/api/v1/metrics")  # the ecosystem serves both
LEVEL_KEYS = ("level", "severity", "lvl", "levelname", "log.level", "loglevel", "log_level")
MESSAGE_KEYS = ("msg", "message", "event", "text", "log")
TIME_KEYS = ("ts", "time", "timestamp", "@timestamp", "t", "datetime", "asctime")
ERROR_LEVELS = ("error", "err", "critical", "crit", "fatal", "panic", "alert", "emergency")
SHOWN = 200
TAIL_SHOWN = 800  # a shutdown line names the stage that overran and where each thread was
TEXT_ERROR = re.compile(r"\b(ERROR|ERR|CRITICAL|FATAL|PANIC)\b")


def _field(record: dict, keys: tuple[str, ...]) -> object:
    lowered = {str(k).lower(): v for k, v in record.items()}
    return next((lowered[k] for k in keys if k in lowered), None)


def service_name(stack: Stack, service: str) -> str:
    return stack.definition.services[service].environment.get("SERVICE_NAME", service)


# -- HTTP ----------------------------------------------------------------------------------
def healthy(probe: ServiceProbe, stack: Stack, service: str) -> None:
    """GET /api/v1/health: 200, status healthy, the service's name and a version."""
    reply = probe.get(service, HEALTH)
    assert reply.status_code == 200, f"GET {HEALTH} answered {reply.status_code} {reply.text[:SHOWN]}"
    body = _json_object(reply, HEALTH)
    assert str(body.get("status", "")).lower() == "healthy", f"GET {HEALTH}: status is not healthy: {body}"
    name = service_name(stack, service)
    assert name in [v for v in body.values() if isinstance(v, str)], f"GET {HEALTH} does not name {name!r}: {body}"
    assert body.get("version"), f"GET {HEALTH} gives no version: {body}"


def ready(probe: ServiceProbe, stack: Stack, service: str, deadline: float) -> None:
    """GET /api/v1/ready: 200 with ready true; a 503 is waited out until the deadline (a dependency was restarted)."""
    replies = []

    def answered() -> bool:
        replies.append(probe.get(service, READY))
        return replies[-1].status_code != 503

    try:
        wait_until(answered, deadline, interval=0.2, message=f"{service} {READY} to stop answering 503")
    except DeadlineExceeded:
        if not replies:
            raise  # never answered: the deadline's message names the last error
        # else the last reply, a 503, fails below with its body
    reply = replies[-1]
    assert reply.status_code == 200, f"GET {READY} answered {reply.status_code} {reply.text[:SHOWN]}"
    body = _json_object(reply, READY)
    if "ready" in body:
        assert body["ready"] is True, f"GET {READY}: ready is {body['ready']!r}: {body}"
    else:
        assert str(body.get("status", "")).lower() in ("ready", "ok", "healthy", "up"), f"GET {READY} says not ready: {body}"


def serves_metrics(probe: ServiceProbe, service: str) -> str:
    """Prometheus text at /metrics or /api/v1/metrics; the path that serves it."""
    tried = []
    for path in METRICS_PATHS:
        reply = probe.get(service, path)
        if reply.status_code != 200:
            tried.append(f"{path}: {reply.status_code}")
            continue
        try:
            samples = [s for family in text_string_to_metric_families(reply.text) for s in family.samples]
        except ValueError as exc:
            tried.append(f"{path}: not Prometheus text ({exc})")
            continue
        if samples:
            return path
        tried.append(f"{path}: no sample")
    raise AssertionError(f"no Prometheus metrics ({'; '.join(tried)})")


def _json_object(reply, path: str) -> dict:
    try:
        body = reply.json()
    except ValueError:
        raise AssertionError(f"GET {path} is not JSON: {reply.text[:SHOWN]}") from None
    assert isinstance(body, dict), f"GET {path} is not a JSON object: {reply.text[:SHOWN]}"
    return body


# -- logs ----------------------------------------------------------------------------------
def asks_for_json_logs(stack: Stack, service: str) -> None:
    log_format = stack.definition.services[service].environment.get("LOG_FORMAT", "")
    if log_format.lower() != "json":
        raise NotApplicable(f"the stack does not ask it for JSON logs (LOG_FORMAT={log_format or 'unset'})")


def json_records(stack: Stack, service: str, lines: int = 2000) -> list[dict]:
    """Every line the service logged, as JSON objects; fails at the first line that is not one."""
    records = []
    for number, line in enumerate(stack.raw_logs(service, lines).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"logged a line that is not JSON (line {number}): {line[:SHOWN]}") from None
        assert isinstance(record, dict), f"logged a JSON line that is not an object (line {number}): {line[:SHOWN]}"
        records.append(record)
    assert records, "logged nothing"
    return records


def structured(stack: Stack, service: str) -> None:
    """Every line a JSON object with a level (under any usual key: level, severity, lvl, ...)."""
    asks_for_json_logs(stack, service)
    for record in json_records(stack, service):
        assert _field(record, LEVEL_KEYS) is not None, f"a log line has no level ({'/'.join(LEVEL_KEYS)}): {record}"


def records_with_time_level_message(stack: Stack, service: str) -> None:
    """Every line a JSON object with a timestamp, a level and a message, whatever their keys are called."""
    for record in json_records(stack, service):
        missing = [what for what, keys in (("timestamp", TIME_KEYS), ("level", LEVEL_KEYS), ("message", MESSAGE_KEYS))
                   if _field(record, keys) is None]
        assert not missing, f"a log line has no {', '.join(missing)}: {record}"


def error_lines(stack: Stack, service: str, lines: int = 2000) -> list[str]:
    """The lines at an error, fatal or panic level: by the level field of a JSON line, by a word otherwise
    (whether the lines are JSON at all is the structured-logging criterion's business, not this one's)."""
    found = []
    for line in stack.raw_logs(service, lines).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if str(_field(record, LEVEL_KEYS) or "").lower() in ERROR_LEVELS:
                found.append(line)
        elif TEXT_ERROR.search(line):
            found.append(line)
    return found


def clean(stack: Stack, service: str) -> None:
    """The service logged (it started) and no line is at an error, fatal or panic level."""
    assert stack.raw_logs(service, 50).strip(), "logged nothing"
    errors = error_lines(stack, service)
    assert not errors, f"{len(errors)} error line(s), first: {errors[0][:SHOWN]}"


# -- signals -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exit:
    """How one service answered SIGTERM: its exit code (None: still running), seconds, its last log lines
    when it failed; or what kept it from being signalled."""

    code: int | None = None
    took: float = 0.0
    tail: str = ""
    error: Exception | None = None

    def check(self, seconds: float) -> None:
        if self.error is not None:
            raise self.error
        assert self.code is not None, f"still running {self.took:.1f}s after SIGTERM{self.tail}"
        assert self.code == 0, f"exited with code {self.code} on SIGTERM{self.tail}"
        assert self.took <= seconds, f"took {self.took:.2f}s to exit after SIGTERM (at most {seconds:g}s){self.tail}"


def exits_on_sigterm(stack: Stack, services: list[str], seconds: float) -> dict[str, Exit]:
    """SIGTERM to every service at once (as `docker compose stop` sends it), each exit timed from its own
    signal; then all are started again, healthy, before the results are judged. No service is starting up
    while an exit is timed."""
    def signalled(service: str) -> Exit:
        try:
            code, took = stack.terminate(service, signal.SIGTERM, timeout=2 * seconds)
        except Exception as exc:  # noqa: BLE001 - judged as this service's (a target that cannot signal it)
            return Exit(error=exc)
        failed = code != 0 or took > seconds  # its log read before the start again, which may begin a new one
        return Exit(code, took, last_lines(stack, service) if failed else "")

    try:
        with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
            exits = dict(zip(services, pool.map(signalled, services)))
    finally:
        stack.start_many([service for service in services if not stack.is_running(service)])
    return exits


def last_lines(stack: Stack, service: str, lines: int = 6) -> str:
    """The service's last log lines (where its stop spent the time), as the end of a failure message."""
    try:
        text = stack.raw_logs(service, lines)
    except Exception:  # noqa: BLE001 - a target that cannot read the logs: the failure stands without them
        return ""
    shown = [line[:TAIL_SHOWN] for line in text.splitlines() if line.strip()]
    return "; its last log lines:\n    " + "\n    ".join(shown) if shown else ""
