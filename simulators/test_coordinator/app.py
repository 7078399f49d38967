"""Test-coordinator routes: the scenario API.

Production API (HTTP_PORT; the seeds' Test Coordinator "Scenario API"):
    GET  /api/v1/scenarios               {"scenarios": [{name, title, description, detect, timeout_seconds, ...}]}
    GET  /api/v1/scenarios/{name}        one definition
    POST /api/v1/scenarios/{name}/run    -> 202 the run (scenario_id, trace_id, state running); 409 while one runs
    POST /api/v1/runs                    {"file": "/path/on/this/host.yaml"} or {"yaml": "<definition>"} -> 202
    GET  /api/v1/runs/{scenario_id}      one run: steps, injected_ns, detection, reset
    GET  /api/v1/status                  {"state": idle|running|holding|resetting, "current", "last"}
    POST /api/v1/reset                   every service back at its baseline -> 200 {baseline, seconds, services}

Domain variables: SCENARIO_DIR (stack/scenarios), SCENARIO_MAX_HOLD (60s: the longest a scenario is held
before the coordinator resets it), PRICE_UPDATE_INTERVAL and SETTLEMENT_CYCLE (what "ticks" and "cycles"
are worth), MARKET_DATA_AUDIT_URL, EXCHANGE_AUDIT_URL, CUSTODIAN_AUDIT_URL, STRATEGY_AUDIT_URL,
RISK_MONITOR_AUDIT_URL, AUDIT_CORRELATOR_URL. Faults: reset-skips-market-data, no-timeout.
"""
from __future__ import annotations

from pathlib import Path

from simulators.common.config import ConfigError
from simulators.common.contract import Text, body, exactly_one
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.service import Domain
from simulators.common.settings import Defaults

from .controls import Controls
from .runner import Busy, Runner
from .scenarios import Clock, Scenario, ScenarioError, load_dir, load_file, parse

FAULTS = ("reset-skips-market-data", "no-timeout")
CONTROL_URLS = {"market-data": "MARKET_DATA_AUDIT_URL", "exchange": "EXCHANGE_AUDIT_URL",
                "custodian": "CUSTODIAN_AUDIT_URL", "strategy": "STRATEGY_AUDIT_URL",
                "risk-monitor": "RISK_MONITOR_AUDIT_URL"}
MAX_YAML = 64 * 1024
CUSTOM_RUN = body("Exactly one of the two.", one_of=exactly_one("file", "yaml"),
                  file=Text(required=False, max_len=4096, description="a path the coordinator can read"),
                  yaml=Text(required=False, max_len=MAX_YAML, description="a scenario definition (YAML text)"))
NAMED_RUN = body("No field: the scenario is the path's name.", required=False)


class CoordinatorDomain(Domain):
    defaults = Defaults(service_name="test-coordinator", namespace="test_coordination", faults=FAULTS)

    def __init__(self, app):
        super().__init__(app)
        env, faults = app.settings.env, app.settings.faults
        self.clock = Clock(env.duration("PRICE_UPDATE_INTERVAL", "1s", allow_zero=False),
                           env.duration("SETTLEMENT_CYCLE", "2s", allow_zero=False))
        self.directory = Path(env.string("SCENARIO_DIR", "stack/scenarios"))
        try:
            self.scenarios = load_dir(self.directory, self.clock)
        except ScenarioError as exc:
            raise ConfigError("SCENARIO_DIR", "a directory of valid scenario files", str(exc)) from None
        http = ("http", "https")
        self.controls = Controls({name: env.url(var, schemes=http) for name, var in CONTROL_URLS.items()})
        self.runner = Runner(self.controls, env.url("AUDIT_CORRELATOR_URL", schemes=http), app.settings.instance,
                             max_hold=env.duration("SCENARIO_MAX_HOLD", "60s", allow_zero=False),
                             skip_market_reset="reset-skips-market-data" in faults, no_timeout="no-timeout" in faults)

    def stop(self) -> None:
        self.runner.close()
        self.controls.close()

    def _scenario(self, name: str) -> Scenario:
        try:
            return self.scenarios[name]
        except KeyError:
            raise ApiError(404, "unknown_scenario",
                           f"No scenario {name[:64]!r}; known: {', '.join(sorted(self.scenarios))}.") from None

    def _start(self, scenario: Scenario) -> Response:
        try:
            return Response(202, self.runner.start(scenario))
        except Busy as exc:
            raise ApiError(409, "scenario_running", str(exc)) from None

    def routes(self, router: Router) -> None:
        @router.route("GET", "/api/v1/scenarios")
        def listing(_: Request) -> Response:
            return Response(200, {"scenarios": [s.describe() for _, s in sorted(self.scenarios.items())]})

        @router.route("GET", "/api/v1/scenarios/{name}")
        def one(request: Request) -> Response:
            return Response(200, self._scenario(request.params["name"]).describe())

        @router.route("POST", "/api/v1/scenarios/{name}/run", body=NAMED_RUN, ok=202, errors=(404, 409))
        def run(request: Request) -> Response:
            return self._start(self._scenario(request.params["name"]))

        @router.route("POST", "/api/v1/runs", body=CUSTOM_RUN, ok=202, errors=(409,))
        def run_custom(request: Request) -> Response:
            given = {k: v for k, v in request.data.items() if v is not None}
            if len(given) != 1:
                raise ApiError(422, "missing_field", "Give exactly one of 'file' (a path) or 'yaml' (a definition).")
            try:
                if "file" in given:
                    scenario = load_file(given["file"], self.clock)
                else:
                    scenario = parse(given["yaml"], "the posted definition", self.clock)
            except ScenarioError as exc:
                raise ApiError(422, "invalid_scenario", str(exc)) from None
            return self._start(scenario)

        @router.route("GET", "/api/v1/runs/{scenario_id}")
        def get_run(request: Request) -> Response:
            found = self.runner.runs.get(request.params["scenario_id"])
            if found is None:
                raise ApiError(404, "not_found", f"No run {request.params['scenario_id'][:80]}.")
            return Response(200, found)

        @router.route("GET", "/api/v1/status")
        def status(_: Request) -> Response:
            return Response(200, self.runner.status())

        @router.route("POST", "/api/v1/reset")
        def reset(request: Request) -> Response:
            request.json_object(required=False)
            return Response(200, self.runner.reset())

    def grpc(self, server) -> None:
        """No domain gRPC service: health and reflection only."""
