"""`harness scenario list|run NAME|FILE|status|reset`: the seeds' scenario-runner.sh, against the test coordinator.

    harness scenario list                 the scenarios and the alert each must raise, with its bound
    harness scenario run market-crash     run one; waits until it is detected (or not) and prints the result
    harness scenario run custom.yaml      run a custom definition (the file's text is sent to the coordinator)
    harness scenario status               what the coordinator is doing, and its last run
    harness scenario reset                every service back at its baseline

The coordinator is the running `harness start` stack's (or --url). `run` exits 0 when the scenario was
detected within its bound, 1 when not, 2 when it could not run; it does not reset (`reset` does, and the
coordinator itself after the scenario's timeout).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from trading_harness import http_client
from trading_harness.errors import HarnessError

COORDINATOR = "test-coordinator"
TIMEOUT = 10.0
RUN_DEADLINE = 120.0
POLL = 0.1


def add_parser(sub) -> None:
    parser = sub.add_parser("scenario", help="chaos scenarios through the test coordinator (list, run, status, reset)")
    parser.add_argument("--url", help="the test coordinator's base URL (default: the running stack's)")
    parser.add_argument("--json", action="store_true", help="print the coordinator's JSON answers")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the available scenarios")
    run = actions.add_parser("run", help="run a scenario by name, or a custom YAML file")
    run.add_argument("scenario", help="a scenario name, or a path to a .yaml/.yml file")
    actions.add_parser("status", help="what the coordinator is doing")
    actions.add_parser("reset", help="every service back at its baseline")


class Coordinator:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.client = http_client.client(timeout=TIMEOUT)

    def call(self, method: str, path: str, body: dict | None = None, ok: tuple[int, ...] = (200,)) -> dict:
        try:
            reply = self.client.request(method, self.url + path, json=body)
        except httpx.HTTPError as exc:
            raise HarnessError(f"the test coordinator at {self.url} did not answer: {exc or type(exc).__name__}") from None
        try:
            data = reply.json()
        except ValueError:
            data = {"error": "not_json", "message": reply.text[:200]}
        if reply.status_code not in ok:
            raise HarnessError(f"{method} {path}: {reply.status_code} {data.get('error')}: {data.get('message')}")
        return data


def start_request(scenario: str) -> tuple[str, dict | None]:
    """The coordinator path and body that start a scenario by name, or a .yaml file by its text (the
    coordinator may run elsewhere, in a container that cannot see the file)."""
    if scenario.endswith((".yaml", ".yml")) or "/" in scenario:
        path = Path(scenario)
        if not path.is_file():
            raise HarnessError(f"{scenario}: no such scenario file")
        return "/api/v1/runs", {"yaml": path.read_text()}
    return f"/api/v1/scenarios/{scenario}/run", None


def main(args, coordinator_url) -> int:
    """coordinator_url(): the running stack's coordinator URL (called only without --url)."""
    coordinator = Coordinator(args.url or coordinator_url())
    show = (lambda data: print(json.dumps(data, indent=2))) if args.json else None
    if args.action == "list":
        data = coordinator.call("GET", "/api/v1/scenarios")
        for s in data["scenarios"] if not show else []:
            print(f"{s['name']:<22} {s['description']:<48} detect {', '.join(s['detect']['alerts'])} "
                  f"within {s['detect']['within_seconds']:g}s")
    elif args.action == "status":
        data = coordinator.call("GET", "/api/v1/status")
        if not show:
            last = data["last"] or {}
            print(f"state {data['state']}; last run {last.get('scenario_id', 'none')} ({last.get('state', '-')})")
    elif args.action == "reset":
        data = coordinator.call("POST", "/api/v1/reset")
        if not show:
            print(f"reset in {data['seconds']:.3f}s; baseline {'yes' if data['baseline'] else 'NO'}: "
                  + ", ".join(f"{n} {'ok' if s['baseline'] else 'NOT at baseline'}" for n, s in data["services"].items()))
        if not data["baseline"]:
            return 1
    else:
        path, body = start_request(args.scenario)
        run = coordinator.call("POST", path, body, ok=(202,))
        data = _wait(coordinator, run["scenario_id"])
        if not show:
            detection = data.get("detection") or {}
            print(f"{data['scenario_id']}: {data['state']}; alerts {', '.join(detection.get('rules') or []) or 'none'}; "
                  f"detection {detection.get('detection_latency_ms')} ms (bound {detection.get('within_ms')} ms); "
                  f"trace {data['trace_id']}" + (f"; error: {data['error']}" if data.get("error") else ""))
        if data.get("error"):
            return 2
        if not (data.get("detection") or {}).get("in_time"):
            return 1
    if show:
        show(data)
    return 0


def _wait(coordinator: Coordinator, scenario_id: str) -> dict:
    deadline = time.monotonic() + RUN_DEADLINE
    while True:
        run = coordinator.call("GET", f"/api/v1/runs/{scenario_id}")
        if run["error"] or run["detection"] is not None or run["state"] == "reset":
            return run
        if time.monotonic() > deadline:
            raise HarnessError(f"{scenario_id} was not detected or failed within {RUN_DEADLINE:.0f}s")
        time.sleep(POLL)
