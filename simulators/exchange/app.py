"""Exchange routes and gRPC servicer.

    POST /api/v1/accounts                      open an account {user_id, account_type} -> 201
    GET  /api/v1/accounts/{id}
    GET  /api/v1/market/prices/{base}/{quote}  a price asked of market-data over gRPC (discovery + breaker)
    gRPC trading.exchange.v1.Exchange/GetMarketPrice, GetAccount

Domain variable: MARKET_DATA_SERVICE (the service name looked up in the registry).
"""
from __future__ import annotations

import grpc

from simulators.common import fields
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.peers import PeerUnavailable
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from .repository import Accounts, DuplicateAccount

pb, pb_grpc = load("exchange")
md_pb, md_grpc = load("market_data")
ACCOUNT_TYPES = ("SPOT", "MARGIN", "FUTURES")


class ExchangeDomain(Domain):
    defaults = Defaults(service_name="exchange-simulator", namespace="exchange")

    def __init__(self, app):
        super().__init__(app)
        self.accounts = Accounts(app.db)
        self.market_data = app.settings.env.string("MARKET_DATA_SERVICE", "market-data-simulator")

    def market_price(self, symbol: str) -> dict[str, str]:
        """The price market-data gives for symbol, through discovery and the circuit breaker."""
        try:
            reply, instance = self.app.peers.call(self.market_data, md_grpc.MarketDataStub, "GetPrice",
                                                  md_pb.GetPriceRequest(symbol=symbol))
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise ApiError(404, "unknown_symbol", exc.details()) from None
            raise ApiError(502, "peer_error", f"{self.market_data} answered {exc.code().name}: {exc.details()}") from None
        return {"symbol": reply.symbol, "price": reply.price, "bid": reply.bid, "ask": reply.ask,
                "source_instance": instance}

    def routes(self, router: Router) -> None:
        @router.route("POST", "/api/v1/accounts")
        def open_account(request: Request) -> Response:
            body = request.json_object()
            fields.only(body, ("user_id", "account_type"))
            user = fields.text(body, "user_id")
            account_type = fields.text(body, "account_type", choices=ACCOUNT_TYPES)
            try:
                return Response(201, self.accounts.create(user, account_type))
            except DuplicateAccount as exc:
                raise ApiError(409, "conflict", f"{exc}.") from None

        fields.add_lookup(router, "/api/v1/accounts/{id}", self.accounts.get, "account")

        @router.route("GET", "/api/v1/market/prices/{base}/{quote}")
        def market_price(request: Request) -> Response:
            symbol = fields.symbol(f"{request.params['base']}/{request.params['quote']}")
            return Response(200, self.market_price(symbol))

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_ExchangeServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["Exchange"].full_name)


class _Servicer(pb_grpc.ExchangeServicer):
    def __init__(self, domain: ExchangeDomain):
        self.domain = domain

    def GetMarketPrice(self, request, context):  # noqa: N802 - gRPC method name
        try:
            price = self.domain.market_price(request.symbol)
        except ApiError as exc:
            context.abort(grpc.StatusCode.NOT_FOUND if exc.status == 404 else grpc.StatusCode.UNAVAILABLE, exc.message)
        except PeerUnavailable as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))
        return pb.MarketPrice(**price)

    def GetAccount(self, request, context):  # noqa: N802
        try:
            account = self.domain.accounts.get(fields.identifier(request.account_id, "account"))
        except ApiError:
            account = None
        except Exception as exc:  # noqa: BLE001 - dependency down
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the account store is unavailable: {exc}")
        if account is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no account {request.account_id}")
        return pb.Account(**{k: account[k] for k in ("account_id", "user_id", "account_type", "status", "kyc_status")})
