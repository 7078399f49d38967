"""Talk to the custodian the way the exchange and a back office do: settlement instructions, holdings, audit state."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import grpc

from simulators.proto import load
from trading_harness import http_client
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack

from .service_probe import GRPC_TIMEOUT, ServiceProbe

pb, pb_grpc = load("custodian")
CUSTODIAN = "custodian-simulator"
DONE = ("COMPLETED", "FAILED", "CANCELLED")
LIFECYCLE = ["PENDING", "IN_PROGRESS", "COMPLETED"]


@dataclass(frozen=True)
class GrpcReply:
    """A gRPC call's settlement (as a dict), or the status code it failed with."""

    settlement: dict | None
    code: str = "OK"
    details: str = ""


def settle_deadline(stack: Stack, settlements: int = 1) -> float:
    """Long enough for the exchange to dispatch and the custodian to take every settlement two steps."""
    return 6 * stack.timing.settlement_cycle + 0.05 * settlements + stack.timing.slack


class CustodianClient:
    def __init__(self, stack: Stack, evidence: Evidence):
        self.stack = stack
        self.evidence = evidence
        self.http = ServiceProbe(stack, evidence)

    # -- instructions ----------------------------------------------------------------
    def instruct_rest(self, body: dict):
        return self.http.post(CUSTODIAN, "/api/v1/settlements", body)

    def instruct_grpc(self, fields: dict) -> GrpcReply:
        message = pb.SettlementInstruction(**{k: str(v) for k, v in fields.items() if v is not None})
        with grpc.insecure_channel(self.stack.grpc_target(CUSTODIAN)) as channel:
            try:
                reply = pb_grpc.CustodianStub(channel).InstructSettlement(message, timeout=GRPC_TIMEOUT)
                result = GrpcReply({f.name: getattr(reply, f.name) for f in pb.Settlement.DESCRIPTOR.fields})
            except grpc.RpcError as exc:
                result = GrpcReply(None, exc.code().name, exc.details() or "")
        self.evidence.record("grpc", f"{CUSTODIAN} Custodian/InstructSettlement {fields}",
                             result.settlement if result.settlement else f"{result.code}: {result.details}")
        return result

    def instruct(self, api: str, fields: dict) -> dict:
        """A valid instruction over "REST" or "gRPC": the settlement the custodian answered with."""
        if api == "REST":
            reply = self.instruct_rest(fields)
            assert reply.status_code in (200, 201), reply.text
            return reply.json()
        result = self.instruct_grpc(fields)
        assert result.settlement is not None, f"InstructSettlement failed: {result.code} {result.details}"
        return result.settlement

    # -- reads -----------------------------------------------------------------------------
    def settlement(self, settlement_id: str) -> dict:
        reply = self.http.get(CUSTODIAN, f"/api/v1/settlements/{settlement_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def account_settlements(self, account: str) -> list[dict]:
        reply = self.http.get(CUSTODIAN, f"/api/v1/accounts/{account}/settlements")
        assert reply.status_code == 200, reply.text
        return reply.json()["settlements"]

    def holding(self, account: str, asset: str) -> tuple[Decimal, Decimal]:
        """(position quantity, balance total) of one asset; 0 where the custodian has no row."""
        positions = self.http.get(CUSTODIAN, f"/api/v1/accounts/{account}/positions")
        balances = self.http.get(CUSTODIAN, f"/api/v1/accounts/{account}/balances")
        assert positions.status_code == balances.status_code == 200, (positions.text, balances.text)
        quantity = next((Decimal(p["quantity"]) for p in positions.json()["positions"] if p["symbol"] == asset), 0)
        total = next((Decimal(b["total"]) for b in balances.json()["balances"] if b["asset"] == asset), 0)
        return Decimal(quantity), Decimal(total)

    def audit_state(self) -> dict:
        """GET /audit/v1/state on the custodian's audit/control port."""
        url = self.stack.audit_url(CUSTODIAN) + "/audit/v1/state"
        reply = http_client.get(url, timeout=5.0)
        self.evidence.record("http", f"GET {CUSTODIAN} audit /audit/v1/state", f"{reply.status_code} {reply.text[:400]}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    # -- waiting ------------------------------------------------------------------------------
    def wait_settled(self, settlement_id: str, settlements: int = 1) -> dict:
        """The settlement once it is COMPLETED, FAILED or CANCELLED."""
        return wait_until(lambda: (s := self.settlement(settlement_id))["status"] in DONE and s,
                          settle_deadline(self.stack, settlements), interval=min(0.2, self.stack.timing.settlement_cycle),
                          message=f"settlement {settlement_id} to leave PENDING/IN_PROGRESS")
