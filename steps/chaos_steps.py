"""Sentences about chaos scenarios: run, effect, alert, correlation, reset (features/orchestrator/chaos.feature)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes import chaos as probe
from steps.probes.chaos import ChaosProbe
from trading_harness.cli.scenario import start_request
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack

HELD_TIMEOUT = 30.0  # seconds for a run to finish its steps and know its detection
CRASH = "-15"


@pytest.fixture
def chaos(stack: Stack, evidence: Evidence):
    """The chaos probe; its finaliser resets the stack whatever the scenario did (or failed to do)."""
    client = ChaosProbe(stack, evidence)
    yield client
    client.close()


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace(" and ", ", ").split(",") if n.strip()]


# -- listing ------------------------------------------------------------------------------------
@when("the test coordinator lists its scenarios", target_fixture="listed")
def lists_scenarios(chaos: ChaosProbe) -> list[dict]:
    return chaos.scenarios()


@then(parsers.parse("the coordinator offers {names}"))
def offers(listed: list[dict], names: str):
    assert sorted(s["name"] for s in listed) == sorted(_names(names)), [s["name"] for s in listed]


@then("each scenario names the alerts that detect it and a detection bound")
def names_alerts(listed: list[dict]):
    for scenario in listed:
        assert scenario["detect"]["alerts"] and scenario["detect"]["within_seconds"] > 0, scenario


# -- running --------------------------------------------------------------------------------------
@given("the prices before the scenario are noted")
def note_prices(chaos: ChaosProbe):
    chaos.note_prices()


@when(parsers.re(r"the test coordinator runs (?P<scenario>[a-z0-9-]+)$"))
def runs(chaos: ChaosProbe, scenario: str):
    chaos.start(scenario)
    chaos.wait_held(HELD_TIMEOUT)


# -- effects --------------------------------------------------------------------------------------
@then("every asset's price fell 15% in one coordinated update")
def crash_effect(chaos: ChaosProbe):
    quotes = chaos.run["steps"][0]["answer"]["quotes"]
    assert {q["symbol"] for q in quotes} == set(chaos.noted) - {"USDT/USD"}, quotes
    for q in quotes:
        before = chaos.history(q["symbol"]).get(q["feed_sequence"] - 1)
        assert before is not None, f"{q['symbol']}: no update before feed_sequence {q['feed_sequence']}"
        expected = before * (1 + Decimal(CRASH) / 100)
        assert abs(Decimal(q["price"]) - expected) <= expected * Decimal("1e-7"), (q, before)
    stamps = [q["timestamp_ns"] for q in quotes]
    assert max(stamps) - min(stamps) < chaos.stack.timing.price_update_interval * 1e9, f"not one move: {stamps}"


@then("USDT/USD slid from its peg to 0.95 in 36 steps over 36 compressed hours")
def depeg_effect(chaos: ChaosProbe):
    quote, step = chaos.quote("USDT/USD"), chaos.run["steps"][0]
    assert chaos.noted["USDT/USD"] == 1, chaos.noted
    assert Decimal(quote["price"]) == Decimal("0.95"), quote
    assert step["steps"] == 36 and step["over"] == 36 * 3600, step
    took = probe.when(step["done_at"]) - probe.when(chaos.run["started_at"])
    assert took >= timedelta(seconds=step["compressed_to"] * 0.9), f"not gradual: the ramp took {took}"


@then("the exchange refused the strategy's orders while down and accepts orders again")
def downtime_effect(chaos: ChaosProbe):
    strategy = chaos.strategy()
    assert strategy["rejected"].get("exchange_unavailable", 0) >= 1, strategy
    assert chaos.chaos_state(probe.EXCHANGE)["refused"] >= 1
    reply = chaos.place_probe_order()
    assert reply.status_code == 201, f"after recovery: {reply.status_code} {reply.text[:300]}"


@then("the strategy's settlements were held PENDING, then FAILED with the injected reason")
def settlement_effect(chaos: ChaosProbe):
    cycle = chaos.stack.timing.settlement_cycle
    failed = [s for s in chaos.strategy_settlements() if s["status"] == "FAILED"
              and s["failure_reason"] == "injected settlement failure"]
    assert failed, "no settlement of the strategy's account FAILED with the injected reason"
    held = []
    for settlement in failed[:10]:
        history = chaos.settlement(settlement["settlement_id"])["history"]
        moved = next((h for h in history if h["status"] == "IN_PROGRESS"), None)
        if moved and probe.when(moved["at"]) - probe.when(settlement["initiated_at"]) >= timedelta(seconds=10 * cycle):
            held.append(settlement["settlement_id"])
    assert held, f"no FAILED settlement stayed PENDING for 10 settlement cycles: {failed[:3]}"


@then("the strategy engine placed more than 10 orders within one second")
def runaway_effect(chaos: ChaosProbe):
    busiest = probe.busiest_second(chaos.strategy_orders())
    assert busiest > 10, f"at most {busiest} orders within one second"


@then("market data quotes arrive 2 seconds old and crossed, bid above ask")
def feed_effect(chaos: ChaosProbe):
    quote = chaos.quote("BTC/USD")
    assert Decimal(quote["bid"]) > Decimal(quote["ask"]), quote
    assert probe.age_seconds(quote["timestamp_ns"]) >= 2.0, quote


# -- detection and correlation ------------------------------------------------------------------------
@then(parsers.parse("the risk monitor raised {alerts} for the scenario within the bound it states"))
def raised(chaos: ChaosProbe, alerts: str):
    run = chaos.run
    raised_rules = {a["rule"] for a in chaos.alerts(run["scenario_id"])}
    assert set(_names(alerts)) <= raised_rules, f"raised {sorted(raised_rules)}, expected {alerts}"
    detection = run["detection"]
    assert detection["in_time"], f"detected in {detection['detection_latency_ms']} ms, bound {detection['within_ms']} ms"


@then("the audit correlator links the injection to the alert by scenario id and trace id, with the detection latency")
def correlated(chaos: ChaosProbe):
    run = chaos.run
    record = chaos.correlation(run["scenario_id"])
    assert record["linked"], record
    assert record["trace_id"] == run["trace_id"] == record["injection"]["trace_id"], record
    assert all(a["trace_id"] == run["trace_id"] and a["metadata"]["scenario_id"] == run["scenario_id"]
               for a in record["alerts"]), record["alerts"]
    assert record["detection_latency_ms"] == run["detection"]["detection_latency_ms"], record
    assert 0 <= record["detection_latency_ms"] <= run["detection"]["within_ms"], record


# -- reset --------------------------------------------------------------------------------------------
@when("the test coordinator resets the scenario", target_fixture="reset_result")
def resets(chaos: ChaosProbe) -> dict:
    return chaos.reset()


@then("every service is back at its baseline")
def at_baseline(chaos: ChaosProbe):
    states = {service: chaos.chaos_state(service) for service in probe.CONTROLLED}
    assert all(s["baseline"] for s in states.values()), states
    assert chaos.alerts(active=True) == [], "alerts still active after the reset"
    prices = chaos.prices()
    for symbol, before in chaos.noted.items():
        now = Decimal(prices[symbol]["price"] if symbol in prices else chaos.quote(symbol)["price"])
        assert abs(now - before) <= before * Decimal("0.03"), f"{symbol}: {before} before, {now} after the reset"
    quote = chaos.quote("BTC/USD")
    assert Decimal(quote["bid"]) <= Decimal(quote["ask"]) and probe.age_seconds(quote["timestamp_ns"]) < 2, quote
    reply = chaos.place_probe_order()
    assert reply.status_code == 201, f"the exchange refuses orders after the reset: {reply.status_code} {reply.text}"
    assert chaos.strategy()["orders_per_tick"] == 1
    order_time = probe.when(reply.json()["submitted_at"])
    wait_until(lambda: any(s["status"] == "COMPLETED" and probe.when(s["initiated_at"]) >= order_time
                           for s in chaos.strategy_settlements()), 15,
               message="a settlement instructed after the reset COMPLETED")


# -- the coordinator's own timeout, custom files, refusals ----------------------------------------------
CRASH_YAML = """name: {name}
detect: {{alerts: [price_drop], within: 20 ticks}}
timeout: {timeout}
steps:
  - {{at: 0s, action: market.shock, percent: "{percent}", inject: true}}
"""


@when(parsers.parse("the test coordinator runs a posted scenario that crashes the market and holds it for {hold} at most"))
def runs_posted(chaos: ChaosProbe, hold: str):
    reply = chaos.start_custom({"yaml": CRASH_YAML.format(name="held-crash", timeout=hold, percent=CRASH)})
    assert reply.status_code == 202, reply.text


@then("the coordinator resets it by itself, giving the reason timeout")
def resets_by_itself(chaos: ChaosProbe):
    run = wait_until(lambda: (r := chaos.run_record())["reset"] and r, 15, message="the coordinator's own reset")
    assert run["reset"]["reason"] == "timeout" and run["reset"]["baseline"], run["reset"]
    wait_until(lambda: chaos.status()["state"] == "idle", 5, message="GET /api/v1/status: the coordinator idle again after its reset")
    chaos.run = None


@given(parsers.parse('a scenario file "{name}" that shocks every asset by {percent} percent'),
       target_fixture="scenario_file")
def scenario_file(tmp_path, name: str, percent: str):
    path = tmp_path / name
    path.write_text(CRASH_YAML.format(name=name.removesuffix(".yaml"), timeout="30s", percent=percent))
    return path


@when("the test coordinator runs that file by its path")
def runs_file(chaos: ChaosProbe, scenario_file):
    chaos.note_prices()
    path, body = start_request(str(scenario_file))  # what `harness scenario run FILE` sends
    assert path == "/api/v1/runs", path
    reply = chaos.start_custom(body)
    assert reply.status_code == 202, reply.text
    chaos.wait_held(HELD_TIMEOUT)


@then(parsers.parse("the run is named {name} and the risk monitor raised {rule} for it"))
def run_named(chaos: ChaosProbe, name: str, rule: str):
    assert chaos.run["name"] == name, chaos.run
    assert rule in {a["rule"] for a in chaos.alerts(chaos.run["scenario_id"])}


@when(parsers.parse("the test coordinator is asked to run {body}"), target_fixture="refused")
def asked_to_run(chaos: ChaosProbe, body: str):
    base = chaos.stack.http_url(probe.COORDINATOR)
    if body.startswith("the scenario "):
        return chaos.request("POST", f"{base}/api/v1/scenarios/{body.removeprefix('the scenario ')}/run")
    if body.startswith("the file "):
        return chaos.request("POST", f"{base}/api/v1/runs", {"file": body.removeprefix("the file ")})
    return chaos.request("POST", f"{base}/api/v1/runs", {"yaml": body.removeprefix("the definition ").strip('"')})


@then(parsers.parse("it answers {status:d} with the error {error} and its state stays idle"))
def answers_error(chaos: ChaosProbe, refused, status: int, error: str):
    assert refused.status_code == status and refused.json()["error"] == error, refused.text
    assert chaos.status()["state"] == "idle"
