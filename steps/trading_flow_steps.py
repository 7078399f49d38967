"""Sentences about the trading flow: fund, trade, settle at the custodian, reconcile, watch with the risk monitor."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, then, when

from simulators.risk_monitor import RiskMonitor
from steps.probes.custodian_client import DONE, LIFECYCLE, CustodianClient, settle_deadline
from steps.probes.custodian_trading_flow import MARKET_DATA, FlowAccount, TradingFlow, value_of
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack

CUSTODIAN = "custodian-simulator"


def _fresh_age(stack: Stack) -> float:
    """How old the latest price may be and still count as current: 3 feed intervals, plus scheduling slack."""
    return 3 * stack.timing.price_update_interval + 1.0


@pytest.fixture
def trading_flow(stack: Stack, evidence: Evidence) -> TradingFlow:
    return TradingFlow(stack, evidence)


@pytest.fixture
def risk_monitors():
    """Every risk monitor the scenario started; stopped at its end."""
    started: list[RiskMonitor] = []
    yield started
    for monitor in started:
        monitor.close()


@pytest.fixture
def freshness() -> list:
    """Stale symbols seen by the risk monitor while orders were placed, one entry per order."""
    return []


# -- given ------------------------------------------------------------------------------------
@given(parsers.parse("the risk monitor subscribes to {symbols} and reads the {exchange}"), target_fixture="risk_monitor")
def monitor_subscribes(stack: Stack, evidence: Evidence, risk_monitors: list, symbols: str, exchange: str) -> RiskMonitor:
    wanted = [s.strip() for s in symbols.replace(" and ", ",").split(",") if s.strip()]
    monitor = RiskMonitor(stack.grpc_target(MARKET_DATA), stack.http_url(exchange), stack.http_url(CUSTODIAN))
    risk_monitors.append(monitor)
    subscriber = monitor.subscribe(wanted)
    received = subscriber.wait_for(lambda updates: {u.symbol for u in updates} >= set(wanted),
                                   timeout=10 * stack.timing.price_update_interval + stack.timing.slack)
    evidence.record("grpc", f"risk monitor StreamPrices {wanted}",
                    f"{len(subscriber.updates)} updates, reconnects {subscriber.reconnects}, errors {subscriber.errors}")
    assert received, f"the risk monitor received no update for every one of {wanted}"
    return monitor


@given(parsers.parse("a new account on the {exchange} funded with {funds} through the exchange's audit deposit"),
       target_fixture="flow_account")
def funded_account(trading_flow: TradingFlow, exchange: str, funds: str) -> FlowAccount:
    account = trading_flow.open_account(exchange)
    for part in funds.split(" and "):
        amount, asset = part.split()
        trading_flow.deposit(account, asset, Decimal(amount))
    return account


# -- when -------------------------------------------------------------------------------------
@when(parsers.parse("the trader places a market {side} of {quantity} {symbol}"))
def places_market_order(trading_flow: TradingFlow, flow_account: FlowAccount, side: str, quantity: str, symbol: str):
    trading_flow.market_order(flow_account, side, quantity, symbol)


@when(parsers.parse("the trader places {count:d} market orders, alternately BUY and SELL of {quantity} {symbol}, "
                    "over {seconds:g} seconds"))
def places_paced_orders(stack: Stack, trading_flow: TradingFlow, flow_account: FlowAccount, risk_monitor: RiskMonitor,
                        freshness: list, count: int, quantity: str, symbol: str, seconds: float):
    """A bounded load: order i is sent at i * seconds / count from the start (pacing, not synchronisation)."""
    pace, began, paced = seconds / count, time.monotonic(), threading.Event()
    for i in range(count):
        paced.wait(max(0.0, began + i * pace - time.monotonic()))
        trading_flow.market_order(flow_account, "BUY" if i % 2 == 0 else "SELL", quantity, symbol)
        freshness.append(risk_monitor.stale(_fresh_age(stack)))


# -- then: the exchange -------------------------------------------------------------------------
@then("the order is FILLED at the market price")
def order_filled(trading_flow: TradingFlow, flow_account: FlowAccount):
    assert not flow_account.errors, flow_account.errors
    placed = flow_account.orders[-1]
    order = trading_flow.order(flow_account, placed["order_id"])
    assert order["status"] == "FILLED", order
    assert Decimal(order["filled_quantity"]) == Decimal(order["quantity"]), order
    assert Decimal(order["average_price"]) > 0, order
    balances = trading_flow.http.get(flow_account.exchange, f"/api/v1/accounts/{flow_account.account_id}/balances")
    held = {b["asset"]: Decimal(b["total"]) for b in balances.json()["balances"]}
    for asset, amount in flow_account.expected().items():
        assert held.get(asset, Decimal(0)) == amount, \
            f"exchange {asset} balance {held.get(asset)}; deposits and the fill at {order['average_price']} give {amount}"


@then("every order was answered without an error and is FILLED")
def all_filled(flow_account: FlowAccount):
    assert not flow_account.errors, flow_account.errors
    statuses = [o.get("status") for o in flow_account.orders]
    assert statuses and all(s == "FILLED" for s in statuses), statuses


@then(parsers.parse("the risk monitor's {symbol} price stayed fresh while the orders were placed"))
def stayed_fresh(freshness: list, symbol: str):
    stale_at = [i for i, stale in enumerate(freshness) if symbol in stale]
    assert freshness and not stale_at, f"{symbol} was stale at orders {stale_at}"


# -- then: the custodian --------------------------------------------------------------------------
@then("every settlement instruction of the account reaches the custodian and moves "
      "PENDING -> IN_PROGRESS -> COMPLETED")
def settled_at_custodian(stack: Stack, evidence: Evidence, flow_account: FlowAccount):
    custodian = CustodianClient(stack, evidence)
    expected = len(flow_account.deposits) + 2 * len(flow_account.filled)

    def all_done() -> list[dict] | None:
        found = custodian.account_settlements(flow_account.account_id)
        return found if len(found) >= expected and all(s["status"] in DONE for s in found) else None

    settlements = wait_until(all_done, settle_deadline(stack, expected), interval=max(0.1, stack.timing.settlement_cycle),
                             message=f"{expected} settlements of {flow_account.account_id} to finish at the custodian")
    kinds = sorted(s["settlement_type"] for s in settlements)
    assert kinds == sorted(["DEPOSIT"] * len(flow_account.deposits) + ["TRANSFER"] * (expected - len(flow_account.deposits))), kinds
    not_completed = [(s["external_id"], s["status"], s["failure_reason"]) for s in settlements if s["status"] != "COMPLETED"]
    assert not not_completed, f"settlements that did not complete: {not_completed}"
    for s in settlements:
        history = [h["status"] for h in custodian.settlement(s["settlement_id"])["history"]]
        assert history == LIFECYCLE, f"{s['external_id']}: {history}"


@then("the account's positions and balances reconcile between the exchange and the custodian")
def reconciled(stack: Stack, evidence: Evidence, risk_monitor: RiskMonitor, flow_account: FlowAccount):
    last = wait_until(lambda: risk_monitor.reconciled(flow_account.account_id), settle_deadline(stack),
                      interval=max(0.1, stack.timing.settlement_cycle),
                      message=f"exchange and custodian holdings of {flow_account.account_id} to agree")
    evidence.record("risk-monitor", f"reconciled({flow_account.account_id})", str(last))
    for asset, amount in flow_account.expected().items():
        holding = last.holdings.get(asset)
        assert holding is not None and holding.custodian_quantity == amount, \
            f"{asset}: want {amount} on both sides, the risk monitor reads {holding}"


# -- then: the risk monitor -------------------------------------------------------------------------
@then(parsers.parse("the risk monitor sees the account's {base} position valued at the current {symbol} price"))
def monitor_values(stack: Stack, evidence: Evidence, trading_flow: TradingFlow, risk_monitor: RiskMonitor,
                   flow_account: FlowAccount, base: str, symbol: str):
    current = trading_flow.market_price(symbol)["feed_sequence"]
    subscriber = risk_monitor.subscriber
    wait_until(lambda: (latest := subscriber.latest(symbol)) and latest.feed_sequence >= current,
               _fresh_age(stack) + 2.0, message=f"the risk monitor to receive {symbol} #{current}")
    position = risk_monitor.positions(flow_account.account_id)[base]
    evidence.record("risk-monitor", f"positions({flow_account.account_id})[{base}]", position)
    received = {u.price for u in subscriber.updates if u.symbol == symbol and u.feed_sequence >= current}
    assert position.price in received, f"valued at {position.price}, not a {symbol} price from #{current} on"
    want = flow_account.expected()[base]
    assert position.exchange_total == position.custodian_quantity == want, position
    assert position.value == value_of(want, position.price) == position.settled_value, position
    assert not risk_monitor.stale(_fresh_age(stack)), f"stale: {risk_monitor.stale(_fresh_age(stack))}"
