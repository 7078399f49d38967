"""Sentences about the custodian's settlements: instructing, the status lifecycle, holdings, refusals."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.custodian_client import LIFECYCLE, CustodianClient
from steps.probes.postgres_probe import monitor_rows
from steps.probes.service_probe import Reply
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

COUNTERPARTY = "counterparty:bank"


@pytest.fixture
def custodian(stack: Stack, evidence: Evidence) -> CustodianClient:
    return CustodianClient(stack, evidence)


@pytest.fixture
def custodian_account(unique: str) -> str:
    """A fresh custodian account id for the scenario."""
    return f"acct-{unique}"


@pytest.fixture
def instructed() -> list:
    """Every instruction the scenario sent: (fields, reply)."""
    return []


def _fields(account: str, movement: str, amount: str, asset: str, external_id: str) -> dict:
    kind, _, direction = movement.partition(" ")
    fields = {"external_id": external_id, "settlement_type": kind, "account_id": account, "symbol": asset,
              "quantity": amount}
    if kind == "TRANSFER":
        inbound = direction == "in"
        fields |= {"source_account": COUNTERPARTY if inbound else account,
                   "destination_account": account if inbound else COUNTERPARTY}
    return fields


# -- instructing --------------------------------------------------------------------------
@given(parsers.parse("a custodian account holding {amount} {asset}"))
def account_holding(custodian: CustodianClient, custodian_account: str, amount: str, asset: str):
    first = custodian.instruct("gRPC", _fields(custodian_account, "DEPOSIT", amount, asset, f"{custodian_account}:seed"))
    assert custodian.wait_settled(first["settlement_id"])["status"] == "COMPLETED"


@when(parsers.parse("the custodian is instructed over {api} to settle a {movement} of {amount} {asset} for that account"),
      target_fixture="settlement")
def instructs(custodian: CustodianClient, custodian_account: str, instructed: list, api: str, movement: str,
              amount: str, asset: str) -> dict:
    fields = _fields(custodian_account, movement, amount, asset, f"{custodian_account}:{len(instructed)}")
    reply = custodian.instruct(api, fields)
    instructed.append((fields, reply))
    return reply


@when(parsers.parse("the custodian is instructed twice over {api} with one external id to settle a DEPOSIT of "
                    "{amount} {asset}"), target_fixture="settlement")
def instructs_twice(custodian: CustodianClient, custodian_account: str, instructed: list, api: str, amount: str,
                    asset: str) -> dict:
    fields = _fields(custodian_account, "DEPOSIT", amount, asset, f"{custodian_account}:twice")
    for _ in range(2):
        instructed.append((fields, custodian.instruct(api, fields)))
    return instructed[0][1]


@when(parsers.parse("a client posts the settlement instruction {body} to the custodian"), target_fixture="reply")
def posts_instruction(custodian: CustodianClient, custodian_account: str, instructed: list, body: str) -> Reply:
    fields = json.loads(body.replace("$account", custodian_account))
    fields["external_id"] = f"{custodian_account}:refused"
    reply = custodian.instruct_rest(fields)
    instructed.append((fields, reply))
    return Reply("custodian-simulator", reply)


# -- the lifecycle ------------------------------------------------------------------------------
@then("the settlement is PENDING when instructed")
def pending_first(settlement: dict):
    assert settlement["status"] == "PENDING", settlement


@then("the settlement moves PENDING -> IN_PROGRESS -> COMPLETED, one step per settlement cycle")
def moves_through_lifecycle(stack: Stack, custodian: CustodianClient, settlement: dict):
    final = custodian.wait_settled(settlement["settlement_id"])
    steps = [h["status"] for h in final["history"]]
    assert final["status"] == "COMPLETED" and steps == LIFECYCLE, f"status {final['status']}, history {steps}"
    started, completed = (datetime.fromisoformat(h["at"]) for h in final["history"][1:])
    took = (completed - started).total_seconds()
    assert took >= 0.5 * stack.timing.settlement_cycle, f"IN_PROGRESS -> COMPLETED took {took}s, below one cycle"


@then("the settlement ends FAILED with a reason naming insufficient holdings")
def ends_failed(custodian: CustodianClient, settlement: dict):
    final = custodian.wait_settled(settlement["settlement_id"])
    steps = [h["status"] for h in final["history"]]
    assert final["status"] == "FAILED" and steps == ["PENDING", "IN_PROGRESS", "FAILED"], (final["status"], steps)
    assert "insufficient holdings" in (final["failure_reason"] or ""), final


@then("both replies name the same settlement")
def same_settlement(instructed: list):
    ids = {reply["settlement_id"] for _, reply in instructed}
    assert len(instructed) == 2 and len(ids) == 1, f"two instructions, settlements {ids}"


# -- holdings and audit ---------------------------------------------------------------------------
@then(parsers.parse("the custodian account holds {amount} {asset} in both its position and its balance"))
def holds(custodian: CustodianClient, custodian_account: str, amount: str, asset: str):
    position, balance = custodian.holding(custodian_account, asset)
    assert position == balance == Decimal(amount), f"{asset}: position {position}, balance {balance}, want {amount}"


@then("the custodian audit trail records the settlement, position and balance changes")
def audit_trail(stack: Stack, evidence: Evidence, settlement: dict):
    rows = monitor_rows(stack, evidence,
                         "SELECT entity_type, operation, new_values->>'status' FROM custodian.audit_events "
                         "WHERE entity_id = %s OR new_values->>'settlement_id' = %s ORDER BY timestamp",
                         (settlement["settlement_id"], settlement["settlement_id"]))
    kinds = sorted((entity, operation) for entity, operation, _ in rows)
    assert [s for e, _, s in rows if e == "SETTLEMENT"] == LIFECYCLE, rows
    assert ("POSITION", "UPDATE") in kinds and ("BALANCE", "UPDATE") in kinds, rows


@then("the custodian's audit state reports the settlement cycle and counts FAILED settlements")
def audit_state(stack: Stack, custodian: CustodianClient):
    state = custodian.audit_state()
    assert state["settlement_cycle_seconds"] == pytest.approx(stack.timing.settlement_cycle), state
    assert state["worker"]["running"] and state["settlements"]["FAILED"] >= 1, state


# -- refusals ------------------------------------------------------------------------------------
@then("the same instruction over gRPC is refused with INVALID_ARGUMENT")
def grpc_refuses(custodian: CustodianClient, instructed: list):
    fields, _ = instructed[-1]
    result = custodian.instruct_grpc(fields)
    assert result.code == "INVALID_ARGUMENT" and result.details, result


@then("the custodian stored no settlement with that external id")
def nothing_stored(stack: Stack, evidence: Evidence, instructed: list):
    fields, _ = instructed[-1]
    rows = monitor_rows(stack, evidence, "SELECT settlement_id FROM custodian.settlements WHERE external_id = %s "
                         "OR account_id = %s", (fields["external_id"], fields.get("account_id", "")))
    assert not rows, f"a refused instruction was stored: {rows}"
