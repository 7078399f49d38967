"""Custodian routes and gRPC servicer.

    POST /api/v1/positions        open a position {account_id, symbol, quantity, currency?} -> 201
    GET  /api/v1/positions/{id}   one position
    gRPC trading.custodian.v1.Custodian/GetPosition
"""
from __future__ import annotations

import grpc

from simulators.common import fields
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from .repository import DuplicatePosition, Positions

pb, pb_grpc = load("custodian")


class CustodianDomain(Domain):
    defaults = Defaults(service_name="custodian-simulator", namespace="custodian")

    def __init__(self, app):
        super().__init__(app)
        self.positions = Positions(app.db)

    def routes(self, router: Router) -> None:
        @router.route("POST", "/api/v1/positions")
        def open_position(request: Request) -> Response:
            body = request.json_object()
            fields.only(body, ("account_id", "symbol", "quantity", "currency"))
            account = fields.text(body, "account_id")
            symbol = fields.symbol(fields.text(body, "symbol"))
            quantity = fields.amount(body, "quantity", positive=False)
            currency = fields.text(body, "currency", max_len=10, required=False, default=symbol.split("/")[1])
            try:
                return Response(201, self.positions.open(account, symbol, quantity, currency))
            except DuplicatePosition as exc:
                raise ApiError(409, "conflict", f"{exc}.") from None

        fields.add_lookup(router, "/api/v1/positions/{id}", self.positions.get, "position")

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_CustodianServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["Custodian"].full_name)


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
