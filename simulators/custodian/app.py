"""Custodian routes and gRPC servicer: positions, balances and settlements.

    POST /api/v1/positions                      open a position {account_id, symbol, quantity, currency?} -> 201
    GET  /api/v1/positions/{id}                 one position
    POST /api/v1/settlements                    instruct a settlement -> 201 (200 with the first one for a
                                                repeated external_id); 4xx JSON for bad input, nothing written
    GET  /api/v1/settlements/{id}               one settlement with its status history
    GET  /api/v1/accounts/{account}/settlements {"account_id", "settlements": [...]} oldest first
    GET  /api/v1/accounts/{account}/positions   {"account_id", "positions": [{symbol, quantity, ...}]}
    GET  /api/v1/accounts/{account}/balances    {"account_id", "balances": [{asset, available, locked, total}]}
    gRPC trading.custodian.v1.Custodian/GetPosition, InstructSettlement, GetSettlement

Audit API (AUDIT_PORT):
    GET  /audit/v1/state                        {"settlement_cycle_seconds", "faults", "worker": {running, steps,
                                                moved, last_error}, "postgres", "settlements": {status: count}}

Domain variables: SETTLEMENT_CYCLE (default 2s): the worker moves every open settlement one status
step per cycle. Domain faults (FAULTS below): never-settles, skips-in-progress, not-idempotent,
no-holdings-check, positions-only.
"""
from __future__ import annotations

import grpc

from simulators.common import fields
from simulators.common.contract import Amount, Text, body
from simulators.common.database import DatabaseUnavailable
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.openapi import shape
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from . import instructions
from .chaos import SettlementChaos, add_chaos_routes
from .repository import DuplicatePosition, Positions
from .settlements import Settlements
from .worker import SettlementWorker

pb, pb_grpc = load("custodian")
# Deliberate defects (SIMULATOR_FAULTS), to prove the settlement scenarios can fail.
FAULTS = ("never-settles",  # settlements never leave PENDING/IN_PROGRESS
          "skips-in-progress",  # PENDING -> COMPLETED in one step
          "not-idempotent",  # a repeated external_id becomes a second settlement
          "no-holdings-check",  # an uncovered settlement is not FAILED (PostgreSQL refuses it; it stays IN_PROGRESS)
          "positions-only")  # completion changes positions but not balances
SWITCHABLE = FAULTS  # every one is checked per settlement step, so a running custodian switches them


POSITION = body("A position of an account in a symbol; the currency defaults to the symbol's quote.",
                account_id=Text(), symbol=Text(pattern=fields.SYMBOL.pattern[1:-1], code="invalid_symbol", what="symbol"),
                quantity=Amount(sign="non-negative"), currency=Text(max_len=10, required=False))


class CustodianDomain(Domain):
    defaults = Defaults(service_name="custodian-simulator", namespace="custodian", faults=FAULTS, switchable=SWITCHABLE)

    def __init__(self, app):
        super().__init__(app)
        self.positions = Positions(app.db)
        self.chaos = SettlementChaos()
        self.settlements = Settlements(app.db, app.settings.faults, self.chaos)
        self.cycle = app.settings.env.duration("SETTLEMENT_CYCLE", "2s", allow_zero=False)
        self.worker = SettlementWorker(self.settlements, self.cycle, held=lambda: self.chaos.delay)

    def start(self) -> None:
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()

    # -- production API ----------------------------------------------------------------
    def routes(self, router: Router) -> None:
        @router.route("POST", "/api/v1/positions", body=POSITION, ok=201, errors=(409,),
                      returns=shape(position_id="string", account_id="string", symbol="string", quantity="string",
                                    currency="string"))
        def open_position(request: Request) -> Response:
            """Open a position."""
            data = request.data
            currency = data["currency"] or data["symbol"].split("/")[1]
            try:
                return Response(201, self.positions.open(data["account_id"], data["symbol"], data["quantity"], currency))
            except DuplicatePosition as exc:
                raise ApiError(409, "conflict", f"{exc}.") from None

        fields.add_lookup(router, "/api/v1/positions/{id}", self.positions.get, "position")

        @router.route("POST", "/api/v1/settlements", body=instructions.BODY, ok=(200, 201),
                      returns=shape(settlement_id="string", settlement_type="string", account_id="string",
                                    symbol="string", quantity="string", status="string"))
        def instruct(request: Request) -> Response:
            """Instruct a settlement (200 with the first one for a repeated external_id)."""
            settlement, created = self.settlements.instruct(instructions.parse(request.data))
            return Response(201 if created else 200, settlement)

        fields.add_lookup(router, "/api/v1/settlements/{id}", self.settlements.get, "settlement")

        for name, fetch in (("settlements", self.settlements.for_account), ("positions", self.settlements.positions),
                            ("balances", self.settlements.balances)):
            router.add("GET", f"/api/v1/accounts/{{account}}/{name}", _listing(name, fetch))

    # -- audit/control API ---------------------------------------------------------------
    def audit_routes(self, router: Router) -> None:
        add_chaos_routes(router, self.chaos)

        @router.route("GET", "/audit/v1/state")
        def state(_: Request) -> Response:
            worker = self.worker
            try:
                counts, store = self.settlements.counts(), "ok"
            except DatabaseUnavailable as exc:  # stub mode: the worker's state is still worth reading
                counts, store = None, f"unavailable: {exc}"
            return Response(200, {
                "settlement_cycle_seconds": self.cycle,
                "faults": sorted(self.app.settings.faults),
                "worker": {"running": worker.running, "steps": worker.steps, "moved": worker.moved,
                           "last_error": worker.last_error},
                "postgres": store, "settlements": counts})

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_CustodianServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["Custodian"].full_name)


def _listing(name: str, fetch):
    """GET /api/v1/accounts/{account}/<name>: {"account_id", name: [...]} (an empty list when none)."""
    def handler(request: Request) -> Response:
        account = request.params["account"]
        if len(account) > 100:
            raise ApiError(404, "not_found", "No account with an id longer than 100 characters.")
        return Response(200, {"account_id": account, name: fetch(account)})
    return handler


SETTLEMENT_FIELDS = ("settlement_id", "external_id", "settlement_type", "account_id", "symbol", "quantity", "status",
                     "source_account", "destination_account", "failure_reason")


def _settlement(row: dict):
    return pb.Settlement(**{key: str(row[key]) if row.get(key) is not None else "" for key in SETTLEMENT_FIELDS})


class _Servicer(pb_grpc.CustodianServicer):
    def __init__(self, domain: CustodianDomain):
        self.domain = domain

    def GetPosition(self, request, context):  # noqa: N802 - gRPC method name
        try:
            row = self.domain.positions.find(request.account_id, request.symbol)
        except Exception as exc:  # noqa: BLE001 - dependency down
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the position store is unavailable: {exc}")
        if row is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no {request.symbol} position for {request.account_id}")
        return pb.Position(**{key: str(row[key]) for key in (
            "position_id", "account_id", "symbol", "quantity", "available_quantity", "locked_quantity")})

    def InstructSettlement(self, request, context):  # noqa: N802 - gRPC method name
        try:
            instruction = instructions.from_message(request)
        except ApiError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
        try:
            settlement, _ = self.domain.settlements.instruct(instruction)
        except DatabaseUnavailable as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the settlement store is unavailable: {exc}")
        self.domain.app.trace_events.record("settlement.instructed", external_id=request.external_id,
                                            settlement_id=str(settlement.get("settlement_id")))
        return _settlement(settlement)

    def GetSettlement(self, request, context):  # noqa: N802 - gRPC method name
        try:
            ident = fields.identifier(request.settlement_id, "settlement")
        except ApiError as exc:
            context.abort(grpc.StatusCode.NOT_FOUND, exc.message)
        try:
            row = self.domain.settlements.get(ident)
        except DatabaseUnavailable as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the settlement store is unavailable: {exc}")
        if row is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no settlement {ident}")
        return _settlement(row)
