"""Exchange routes and gRPC servicer.

Production API (HTTP_PORT); amounts are decimal strings with 8 places, floats in a request are refused:

    POST   /api/v1/accounts                       {user_id, account_type SPOT|MARGIN|FUTURES} -> 201 account
                                                  with "balances"; 409 when the user has that type already
    GET    /api/v1/accounts/{id}                  the account (status, kyc_status) with "balances"
    GET    /api/v1/accounts/{id}/balances         {"account_id", "balances": [{asset, available, locked, total}]}
    GET    /api/v1/accounts/{id}/balances/{asset} one asset (BTC, ETH, USD, USDT)
    GET    /api/v1/accounts/{id}/orders           {"account_id", "orders": [...]} newest first
    GET    /api/v1/accounts/{id}/transactions     {"account_id", "transactions": [...]} fills and deposits, newest first
    POST   /api/v1/orders                         {account_id, symbol, side BUY|SELL, type MARKET|LIMIT, quantity,
                                                  price (LIMIT only), client_order_id?} -> 201 the order (FILLED,
                                                  OPEN or PARTIALLY_FILLED); 422 {"error": "insufficient_balance",
                                                  "message", "order"} when the balance cannot cover it (the order
                                                  is kept as REJECTED, no balance moves); 404 unknown_account,
                                                  409 account_not_active / duplicate_client_order_id, 422
                                                  unknown_symbol (not a pair of the assets, or not quoted)
    GET    /api/v1/orders/{id}                    the order with its "trades" and "history" (order_history)
    DELETE /api/v1/orders/{id}                    cancel a resting limit order -> 200; 409 when already final
    GET    /api/v1/orderbook/{base}/{quote}       {"symbol", "bids": [{price, quantity, orders}], "asks": [...]}
    GET    /api/v1/market/prices/{base}/{quote}   a price asked of market-data over gRPC (discovery + breaker)
    gRPC trading.exchange.v1.Exchange/GetMarketPrice, GetAccount

Audit/control API (AUDIT_PORT):

    POST /audit/v1/accounts/{id}/deposits   {"asset": "USD", "amount": "1000"} -> 201 {deposit_id, balance, ...}
    PUT  /audit/v1/accounts/{id}/status     {"status"?, "kyc_status"?} -> 200 the account
    GET  /audit/v1/accounts/{id}/audit      the account's audit_log rows, oldest first
    GET  /audit/v1/state                    faults, order books, settlement outbox backlog

Domain variables: MARKET_DATA_SERVICE, CUSTODIAN_SERVICE (service names looked up in the registry).
"""
from __future__ import annotations

import threading
from decimal import Decimal

import grpc
from psycopg.rows import dict_row

from simulators.common import fields
from simulators.common.contract import Amount, Text, body
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.openapi import shape
from simulators.common.peers import PeerUnavailable
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from . import audit
from .balances import Balances
from .chaos import Downtime, add_chaos_routes
from .money import ASSETS, q8
from .orders import OrderRequest, Orders
from .repository import KYC_STATUSES, STATUSES, Accounts, DuplicateAccount
from .settlement_outbox import Dispatcher

pb, pb_grpc = load("exchange")
md_pb, md_grpc = load("market_data")
ACCOUNT_TYPES = ("SPOT", "MARGIN", "FUTURES")
ACCOUNT_SHAPE = shape(account_id="string", user_id="string", account_type="string", status="string",
                      kyc_status="string", balances="array")
ORDER_SHAPE = shape(order_id="string", account_id="string", symbol="string", side="string", order_type="string",
                    quantity="string", status="string")
ACCOUNT = body("A new account for a user.", user_id=Text(), account_type=Text(choices=ACCOUNT_TYPES))
ORDER = body("An order; price only (and always) on a LIMIT order.",
             one_of=({"properties": {"type": {"const": "LIMIT"}, "price": {"not": {"type": "null"}}}, "required": ["price"]},
                     {"properties": {"type": {"const": "MARKET"}, "price": {"type": "null"}}}),
             account_id=Text(max_len=36, description="the account's UUID"),
             symbol=Text(max_len=21, pattern=fields.SYMBOL.pattern[1:-1], code="invalid_symbol", what="symbol"),
             side=Text(choices=("BUY", "SELL")), type=Text(choices=("MARKET", "LIMIT")),
             quantity=Amount(), price=Amount(required=False), client_order_id=Text(required=False))
# The two halves of a symbol in a path (fields.SYMBOL); the order book reads them in any case.
ASSET_UPPER = {part: Text(max_len=10, pattern="[A-Z0-9]{2,10}", code="invalid_symbol") for part in ("base", "quote")}
ASSET_ANY_CASE = {part: Text(max_len=10, pattern="[A-Za-z0-9]{2,10}", code="invalid_symbol") for part in ("base", "quote")}
# Deliberate defects for the broken variants in tests/ (SIMULATOR_FAULTS); never in production.
FAULTS = ("non-atomic-balance-check",  # the balance check and the debit in separate transactions
          "stale-price",  # market orders fill at the first price seen per symbol, cached forever
          "no-balance-check",  # orders skip the balance check (the database's CHECK then refuses)
          "no-audit",  # no audit_log / order_history rows
          "lifo-book",  # the book gives the newest order at a price priority
          "cancel-keeps-lock",  # a cancel leaves the funds locked
          "deposit-to-locked",  # deposits credit the locked amount
          "float-money",  # balances answered as JSON numbers computed in binary floating point
          "no-usdt",  # accounts hold no USDT balance
          "no-settlement",  # the settlement dispatcher never sends
          "settlement-no-retry",  # an instruction the custodian did not acknowledge is dropped
          "no-book-rebuild")  # resting limit orders are not put back on the book after a restart
# Checked on every request, so a running exchange switches them (the others act at start)
SWITCHABLE = ("non-atomic-balance-check", "stale-price", "no-balance-check", "no-audit", "cancel-keeps-lock",
              "float-money", "deposit-to-locked", "settlement-no-retry")


class ExchangeDomain(Domain):
    defaults = Defaults(service_name="exchange-simulator", namespace="exchange", faults=FAULTS, switchable=SWITCHABLE)

    def __init__(self, app):
        super().__init__(app)
        faults = app.settings.faults
        audit.faults = faults
        self.assets = tuple(a for a in ASSETS if a != "USDT") if "no-usdt" in faults else ASSETS
        self.balances = Balances(app.db, self.assets, deposit_to_locked=faults.flag("deposit-to-locked"))
        self.accounts = Accounts(app.db, self.balances)
        self.market_data = app.settings.env.string("MARKET_DATA_SERVICE", "market-data-simulator")
        self.dispatcher = Dispatcher(app, app.settings.env.string("CUSTODIAN_SERVICE", "custodian-simulator"),
                                     give_up=faults.flag("settlement-no-retry"))
        self.orders = Orders(app.db, self.balances, app.settings.instance, faults, self.dispatcher.notify)
        self._first_prices: dict[str, dict[str, str]] = {}  # the stale-price fault's cache
        self.downtime = Downtime()

    def start(self) -> None:
        threading.Thread(target=self.orders.warm, name="book-rebuild", daemon=True).start()
        if "no-settlement" not in self.app.settings.faults:
            self.dispatcher.start()

    def stop(self) -> None:
        self.dispatcher.stop()

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

    def fill_price(self, symbol: str) -> tuple[Decimal, Decimal]:
        """(bid, ask) for a market order; an unknown symbol is a 422 (nothing is written)."""
        try:
            price = self.market_price(symbol)
        except ApiError as exc:
            if exc.status == 404:
                raise ApiError(422, "unknown_symbol", f"market-data does not quote {symbol}.") from None
            raise
        if "stale-price" in self.app.settings.faults:
            price = self._first_prices.setdefault(symbol, price)
        return Decimal(price["bid"]), Decimal(price["ask"])

    def _order_request(self, request: Request) -> OrderRequest:
        data = request.data
        account, symbol, order_type = data["account_id"], data["symbol"], data["type"]
        quantity, price = data["quantity"], data["price"]
        if order_type == "LIMIT" and price is None:
            raise ApiError(422, "missing_field", "The field 'price' is required on a LIMIT order.")
        if order_type == "MARKET" and price is not None:
            raise ApiError(422, "invalid_value", "A MARKET order takes no price; give a LIMIT order its price.")
        if price is not None and q8(quantity * price) <= 0:
            raise ApiError(422, "order_too_small", f"{quantity} at {price} is worth less than 0.00000001.")
        base, quote = symbol.split("/")
        if base not in self.assets or quote not in self.assets or base == quote:
            raise ApiError(422, "unknown_symbol",
                           f"The exchange trades pairs of {', '.join(self.assets)}; {symbol} is not one.")
        return OrderRequest(fields.identifier(account, "account"), symbol, data["side"], order_type, quantity, price,
                            data["client_order_id"])

    def _money(self, balances: list[dict]) -> list[dict]:
        if "float-money" not in self.app.settings.faults:
            return balances
        return [{k: (float(v) if k != "asset" else v) for k, v in b.items()} for b in balances]

    def _account(self, request: Request) -> str:
        account_id = fields.identifier(request.params["id"], "account")
        if not self.accounts.exists(account_id):
            raise ApiError(404, "not_found", f"No account {account_id}.")
        return account_id

    def routes(self, router: Router) -> None:
        @router.route("POST", "/api/v1/accounts", body=ACCOUNT, ok=201, errors=(409,), returns=ACCOUNT_SHAPE)
        def open_account(request: Request) -> Response:
            """Open an account with a zero balance per asset."""
            try:
                account = self.accounts.create(request.data["user_id"], request.data["account_type"])
            except DuplicateAccount as exc:
                raise ApiError(409, "conflict", f"{exc}.") from None
            return Response(201, {**account, "balances": self._money(account["balances"])})

        @router.route("GET", "/api/v1/accounts/{id}", returns=ACCOUNT_SHAPE)
        def get_account(request: Request) -> Response:
            account = self.accounts.get(fields.identifier(request.params["id"], "account"))
            if account is None:
                raise ApiError(404, "not_found", f"No account {request.params['id']}.")
            return Response(200, {**account, "balances": self._money(account["balances"])})

        @router.route("GET", "/api/v1/accounts/{id}/balances")
        def balances(request: Request) -> Response:
            account_id = self._account(request)
            return Response(200, {"account_id": account_id, "balances": self._money(self.balances.of(account_id))})

        @router.route("GET", "/api/v1/accounts/{id}/balances/{asset}")
        def balance(request: Request) -> Response:
            account_id = self._account(request)
            asset = request.params["asset"].upper()
            if asset not in self.assets:
                raise ApiError(404, "unknown_asset", f"The exchange holds {', '.join(self.assets)}; not {asset!r}.")
            found = next(b for b in self.balances.of(account_id) if b["asset"] == asset)
            return Response(200, {"account_id": account_id, **self._money([found])[0]})

        @router.route("GET", "/api/v1/accounts/{id}/orders")
        def account_orders(request: Request) -> Response:
            account_id = self._account(request)
            return Response(200, {"account_id": account_id, "orders": self.orders.of_account(account_id)})

        @router.route("GET", "/api/v1/accounts/{id}/transactions")
        def transactions(request: Request) -> Response:
            account_id = self._account(request)
            return Response(200, {"account_id": account_id, "transactions": self.orders.transactions(account_id)})

        @router.route("POST", "/api/v1/orders", body=ORDER, ok=201, errors=(409, 502), returns=ORDER_SHAPE)
        def place_order(request: Request) -> Response:
            """Place an order: a MARKET order fills at market data's quote, a LIMIT order rests on the book."""
            req = self._order_request(request)
            if req.order_type == "MARKET":
                bid, ask = self.fill_price(req.symbol)
                placed = self.orders.place_market(req, bid, ask)
            else:
                self.fill_price(req.symbol)  # market-data must quote the symbol
                placed = self.orders.place_limit(req)
            self.app.trace_events.record("order.placed", order_id=str(placed.order.get("order_id")),
                                         symbol=req.symbol, side=req.side, order_type=req.order_type,
                                         status=placed.order.get("status"))
            if placed.rejected:
                return Response(422, {"error": "insufficient_balance", "message": placed.order["reject_reason"],
                                      "order": placed.order})
            return Response(201, placed.order)

        fields.add_lookup(router, "/api/v1/orders/{id}", self.orders.get, "order")

        @router.route("DELETE", "/api/v1/orders/{id}", errors=(409,))
        def cancel_order(request: Request) -> Response:
            order_id = fields.identifier(request.params["id"], "order")
            order = self.orders.cancel(order_id)
            if order is None:
                raise ApiError(404, "not_found", f"No order {order_id}.")
            return Response(200, order)

        @router.route("GET", "/api/v1/orderbook/{base}/{quote}", errors=(422,), params=ASSET_ANY_CASE)
        def order_book(request: Request) -> Response:
            symbol = fields.symbol(f"{request.params['base']}/{request.params['quote']}".upper())
            base, quote = symbol.split("/")
            if base not in self.assets or quote not in self.assets or base == quote:
                raise ApiError(404, "unknown_symbol", f"The exchange has no book for {symbol}.")
            return Response(200, self.orders.depth(symbol))

        @router.route("GET", "/api/v1/market/prices/{base}/{quote}", errors=(422, 502), params=ASSET_UPPER)
        def market_price(request: Request) -> Response:
            symbol = fields.symbol(f"{request.params['base']}/{request.params['quote']}")
            return Response(200, self.market_price(symbol))

        router.dispatch = self.downtime.guard(router.dispatch)

    def audit_routes(self, router: Router) -> None:
        deposit_body = body(asset=Text(choices=self.assets), amount=Amount())

        add_chaos_routes(router, self.downtime)

        @router.route("POST", "/audit/v1/accounts/{id}/deposits", body=deposit_body, ok=201)
        def deposit(request: Request) -> Response:
            account_id = fields.identifier(request.params["id"], "account")
            done = self.balances.deposit(account_id, request.data["asset"], request.data["amount"])
            if done is None:
                raise ApiError(404, "not_found", f"No account {account_id}.")
            self.dispatcher.notify()
            return Response(201, done)

        status_body = body(status=Text(required=False, choices=STATUSES),
                           kyc_status=Text(required=False, choices=KYC_STATUSES))

        @router.route("PUT", "/audit/v1/accounts/{id}/status", body=status_body)
        def set_status(request: Request) -> Response:
            account_id = fields.identifier(request.params["id"], "account")
            changes = {k: v for k, v in request.data.items() if v}
            if not changes:
                raise ApiError(422, "missing_field", "Give status and/or kyc_status.")
            account = self.accounts.set_status(account_id, changes)
            if account is None:
                raise ApiError(404, "not_found", f"No account {account_id}.")
            return Response(200, account)

        @router.route("GET", "/audit/v1/accounts/{id}/audit")
        def audit_trail(request: Request) -> Response:
            account_id = self._account(request)
            with self.app.db.transaction() as conn, conn.cursor(row_factory=dict_row) as cur:
                rows = audit.trail(cur, account_id)
            return Response(200, {"account_id": account_id, "audit": rows})

        @router.route("GET", "/audit/v1/state")
        def state(_: Request) -> Response:
            return Response(200, {"instance": self.app.settings.instance,
                                  "faults": sorted(self.app.settings.faults),
                                  "assets": list(self.assets), "books": self.orders.describe_books(),
                                  "settlement": self.dispatcher.describe()})

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
