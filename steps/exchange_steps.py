"""Sentences about the exchange: accounts, deposits, balances, orders, the book and the settlement outbox."""
from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from threading import Barrier

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.exchange_client import ExchangeClient, custodian_settlement
from steps.probes.exchange_rows import ExchangeRows
from steps.probes.market_data_client import MarketDataClient
from trading_harness.evidence import Evidence
from trading_harness.polling import wait_until
from trading_harness.targets.stack import Stack

ORDER = re.compile(r"a (?P<cancelled>cancelled )?(?P<type>market|limit) (?P<side>BUY|SELL) order for "
                   r"(?P<quantity>\S+) (?P<symbol>[A-Z]+/[A-Z]+)(?: at (?P<price>\S+))?$")
EIGHT_PLACES = re.compile(r"^-?\d+\.\d{8}$")


@dataclass
class Trading:
    """What a scenario did on the exchange."""

    user: str = ""
    account: str = ""
    funds: dict[str, Decimal] = field(default_factory=dict)
    reply: httpx.Response | None = None
    orders: list[dict] = field(default_factory=list)  # the orders placed, as answered
    named: dict[str, str] = field(default_factory=dict)  # name -> account id or order id
    footprint: dict[str, int] = field(default_factory=dict)
    client_order_id: str = ""

    @property
    def last_order(self) -> dict:
        return self.orders[-1]


@pytest.fixture
def exchange(stack: Stack, evidence: Evidence):
    client = ExchangeClient(stack, evidence)
    yield client
    client.cancel_resting()
    client.close()


@pytest.fixture
def exchange_rows(stack: Stack, evidence: Evidence):
    rows = ExchangeRows(stack, evidence)
    yield rows
    rows.close()


@pytest.fixture
def pinned_quotes() -> dict[tuple[str, Decimal], dict]:
    """(symbol, price) -> the quote market-data published when the scenario set that price."""
    return {}


@pytest.fixture
def trading() -> Trading:
    return Trading()


def _funds(text: str) -> dict[str, str]:
    """'100 USD and 0.001 BTC' -> {"USD": "100", "BTC": "0.001"}; 'nothing' -> {}."""
    if text.strip() == "nothing":
        return {}
    return {asset: amount for amount, asset in (part.split() for part in re.split(r",| and ", text) if part.strip())}


def _order_body(trading: Trading, description: str) -> tuple[dict, bool]:
    match = ORDER.match(description)
    assert match, f"not an order: {description}"
    body = {"account_id": trading.account, "symbol": match["symbol"], "side": match["side"],
            "type": match["type"].upper(), "quantity": match["quantity"]}
    if match["price"]:
        body["price"] = match["price"]
    return body, bool(match["cancelled"])


def _placed(reply: httpx.Response) -> dict:
    body = reply.json()
    return body.get("order", body)


# -- accounts and deposits -------------------------------------------------------------------------
@when(parsers.parse("a trading engine opens a {account_type} account on the exchange"))
def opens_account(exchange: ExchangeClient, trading: Trading, unique: str, account_type: str):
    trading.user = f"engine-{unique}"
    trading.reply = exchange.open_account(trading.user, account_type)


@then("the exchange answers 201 with the account's id, status ACTIVE and KYC status PENDING")
def account_created(trading: Trading):
    assert trading.reply.status_code == 201, trading.reply.text
    body = trading.reply.json()
    trading.account = str(uuid.UUID(body["account_id"]))
    assert (body["status"], body["kyc_status"], body["user_id"]) == ("ACTIVE", "PENDING", trading.user), body


@then(parsers.parse("the account reads back with zero balances in {assets}"))
def reads_back_zero(exchange: ExchangeClient, trading: Trading, assets: str):
    reply = exchange.account(trading.account)
    assert reply.status_code == 200, reply.text
    balances = {b["asset"]: b for b in reply.json()["balances"]}
    assert sorted(balances) == sorted(re.split(r", | and ", assets)), balances
    for b in balances.values():
        assert (b["available"], b["locked"], b["total"]) == ("0.00000000",) * 3, b


@then("the monitor user finds the account in exchange.accounts with one exchange.balances row per asset")
@then("monitor_user finds the account in exchange.accounts with one exchange.balances row per asset")
def account_rows(exchange_rows: ExchangeRows, trading: Trading):
    assert exchange_rows.accounts_of_user(trading.user) == 1
    assert sorted(exchange_rows.balances(trading.account)) == ["BTC", "ETH", "USD", "USDT"]


@given(parsers.parse("an exchange account funded with {funds}"))
def funded_account(exchange: ExchangeClient, trading: Trading, unique: str, funds: str):
    trading.user = f"trader-{unique}"
    amounts = _funds(funds)
    trading.account = exchange.funded_account(trading.user, amounts)
    trading.funds = {asset: Decimal(amount) for asset, amount in amounts.items()}


@when("the same user opens another SPOT account")
def opens_again(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading):
    trading.footprint = exchange_rows.footprint(trading.account)
    trading.reply = exchange.open_account(trading.user, "SPOT")


@then("the user still has one account, four balance rows and the same audit rows")
def still_one_account(exchange_rows: ExchangeRows, trading: Trading):
    assert exchange_rows.accounts_of_user(trading.user) == 1
    assert exchange_rows.footprint(trading.account) == trading.footprint


@when(parsers.parse("the audit API deposits {amount} {asset} into the account"))
def deposits(exchange: ExchangeClient, trading: Trading, amount: str, asset: str):
    trading.reply = exchange.deposit(trading.account, asset, amount)
    assert trading.reply.status_code == 201, trading.reply.text
    trading.funds[asset] = trading.funds.get(asset, Decimal(0)) + Decimal(amount)


@then(parsers.parse("the {asset} balance of the account reads available {available}, locked {locked} and total {total}"))
def balance_reads(exchange: ExchangeClient, trading: Trading, asset: str, available: str, locked: str, total: str):
    reply = exchange.balance(trading.account, asset)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["asset"] == asset, body
    got = {k: body[k] for k in ("available", "locked", "total")}
    assert all(isinstance(v, str) for v in got.values()), f"amounts must be decimal strings: {got}"
    assert {k: Decimal(v) for k, v in got.items()} == {
        "available": Decimal(available), "locked": Decimal(locked), "total": Decimal(total)}, got


@then("every other asset of the account reads 0")
def others_zero(exchange: ExchangeClient, trading: Trading):
    for asset, b in exchange.balances(trading.account).items():
        if asset not in trading.funds:
            assert Decimal(b["total"]) == 0, b


# -- orders ------------------------------------------------------------------------------------------
@given(parsers.parse("market-data quotes {symbol} at {price} with its feed paused"))
@when(parsers.parse("market-data quotes {symbol} at {price} with its feed paused"))
def quotes_at(market_data: MarketDataClient, pinned_quotes: dict, symbol: str, price: str):
    assert market_data.pause(True).status_code == 200
    reply = market_data.set_price(symbol, price)
    assert reply.status_code == 200, reply.text
    pinned_quotes[(symbol, Decimal(price))] = reply.json()


@when(parsers.re(r"the account places (?P<description>a .+)$"))
def places(exchange: ExchangeClient, trading: Trading, description: str):
    body, cancel = _order_body(trading, description)
    trading.reply = exchange.place(body)
    assert trading.reply.status_code in (201, 422), trading.reply.text
    if trading.reply.status_code == 201 or "order" in trading.reply.json():
        trading.orders.append(_placed(trading.reply))
    if cancel:
        reply = exchange.cancel(trading.last_order["order_id"])
        assert reply.status_code == 200, reply.text


@given(parsers.re(r"the account rests (?P<description>a limit .+)$"))
def rests(exchange: ExchangeClient, trading: Trading, description: str):
    body, _ = _order_body(trading, description)
    trading.reply = exchange.place(body)
    assert trading.reply.status_code == 201 and trading.reply.json()["status"] == "OPEN", trading.reply.text
    trading.orders.append(trading.reply.json())


@then(parsers.parse("the order is confirmed FILLED at the {quote_side} of {price}"))
def filled_at(pinned_quotes: dict, trading: Trading, quote_side: str, price: str):
    assert trading.reply.status_code == 201, trading.reply.text
    order = trading.last_order
    quote = pinned_quotes[(order["symbol"], Decimal(price))]
    expected = Decimal(quote[quote_side])
    assert order["status"] == "FILLED" and order["remaining_quantity"] == "0.00000000", order
    fills = order["trades"]
    assert len(fills) == 1 and Decimal(fills[0]["price"]) == expected, \
        f"filled at {[t['price'] for t in fills]}, the {quote_side} was {expected}"
    assert Decimal(fills[0]["value"]) == (Decimal(fills[0]["quantity"]) * expected).quantize(Decimal("1e-8")), fills


@then(parsers.parse("the account's {first} and {second} balances moved by exactly its fills"))
def moved_by_fills(exchange: ExchangeClient, trading: Trading, first: str, second: str):
    expected = {asset: trading.funds.get(asset, Decimal(0)) for asset in (first, second)}
    for order in trading.orders:
        base, quote = order["symbol"].split("/")
        for t in order["trades"]:
            sign = 1 if t["side"] == "BUY" else -1
            expected[base] += sign * Decimal(t["quantity"])
            expected[quote] -= sign * Decimal(t["value"])
    balances = exchange.balances(trading.account)
    assert {a: Decimal(balances[a]["available"]) for a in expected} == expected, balances


@then(parsers.parse("the order reads {final} with the history {statuses}"))
def order_reads(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading, final: str, statuses: str):
    order = exchange.order(trading.last_order["order_id"])
    history = [h["new_status"] for h in order["history"]]
    assert order["status"] == final, order
    assert history == statuses.split(" -> "), f"history {history}"
    assert exchange_rows.history(order["order_id"]) == statuses.split(" -> ")


@then(parsers.parse('the exchange answers {status:d} with the JSON error "{error}"'))
def answers_error(trading: Trading, status: int, error: str):
    assert trading.reply.status_code == status, trading.reply.text
    assert trading.reply.json()["error"] == error, trading.reply.text


@then(parsers.parse('the exchange answers {status:d} with the JSON error "{error}" naming {asset}'))
def answers_error_naming(trading: Trading, status: int, error: str, asset: str):
    answers_error(trading, status, error)
    body = trading.reply.json()
    assert asset in body["message"], body
    assert body["order"]["status"] == "REJECTED" and asset in body["order"]["reject_reason"], body


@then(parsers.parse("the account's balances are still {usd} USD and {btc} BTC with nothing locked"))
def balances_untouched(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading, usd: str, btc: str):
    balances = exchange.balances(trading.account)
    assert (Decimal(balances["USD"]["available"]), Decimal(balances["BTC"]["available"])) == (Decimal(usd), Decimal(btc))
    assert all(Decimal(b["locked"]) == 0 for b in balances.values()), balances
    rows = exchange_rows.balances(trading.account)
    assert (rows["USD"][0], rows["BTC"][0], rows["USD"][1], rows["BTC"][1]) == (Decimal(usd), Decimal(btc), 0, 0), rows


@then("the rejected order has no trade and no settlement instruction")
def rejected_leaves_nothing(exchange_rows: ExchangeRows, trading: Trading):
    assert exchange_rows.trades(trading.last_order["order_id"]) == []
    outbox = exchange_rows.outbox(trading.account)
    assert [row[1] for row in outbox] == ["DEPOSIT"] * len(trading.funds), outbox


# -- the book ------------------------------------------------------------------------------------------
@given(parsers.parse("these limit orders rest on {symbol}:"))
def resting_orders(exchange: ExchangeClient, trading: Trading, unique: str, symbol: str, datatable):
    header, *rows = datatable
    for row in rows:
        cells = dict(zip(header, row))
        account = exchange.funded_account(f"seller-{cells['seller']}-{unique}", _funds(cells["funds"]))
        reply = exchange.place({"account_id": account, "symbol": symbol, "side": cells["side"], "type": "LIMIT",
                                "quantity": cells["quantity"], "price": cells["price"]})
        assert reply.status_code == 201 and reply.json()["status"] == "OPEN", reply.text
        trading.named[cells["seller"]] = reply.json()["order_id"]


@when(parsers.parse("a buyer funded with {funds} places a limit {side} order for {quantity} {symbol} at {price}"))
def buyer_places(exchange: ExchangeClient, trading: Trading, unique: str, funds: str, side: str, quantity: str,
                 symbol: str, price: str):
    trading.funds = {a: Decimal(v) for a, v in _funds(funds).items()}
    trading.account = exchange.funded_account(f"buyer-{unique}", _funds(funds))
    trading.reply = exchange.place({"account_id": trading.account, "symbol": symbol, "side": side, "type": "LIMIT",
                                    "quantity": quantity, "price": price})
    assert trading.reply.status_code == 201, trading.reply.text
    trading.orders.append(trading.reply.json())


@then(parsers.re(r"the buyer's order is FILLED by trades of (?P<fills>.+)$"))
def filled_by(trading: Trading, fills: str):
    order = trading.last_order
    assert order["status"] == "FILLED", order
    expected = [(Decimal(q), Decimal(p), trading.named[who])
                for q, p, who in re.findall(r"(\S+) at (\S+) with (\w+)", fills)]
    got = [(Decimal(t["quantity"]), Decimal(t["price"]), t["counterparty"]) for t in order["trades"]]
    assert got == expected, f"trades {got}, expected {expected}"


@then(parsers.re(r"A reads (?P<a>\w+) with (?P<filled>\S+) filled, B reads (?P<b>\w+) and C reads (?P<c>\w+)$"))
def makers_read(exchange: ExchangeClient, trading: Trading, a: str, filled: str, b: str, c: str):
    orders = {name: exchange.order(trading.named[name]) for name in "ABC"}
    assert {n: o["status"] for n, o in orders.items()} == {"A": a, "B": b, "C": c}, orders
    assert Decimal(orders["A"]["filled_quantity"]) == Decimal(filled), orders["A"]


@then(parsers.parse("the book of {symbol} shows {quantity} asked at {price} from A and B"))
def book_shows(exchange: ExchangeClient, symbol: str, quantity: str, price: str):
    asks = {Decimal(level["price"]): level for level in exchange.order_book(symbol)["asks"]}
    level = asks.get(Decimal(price))
    assert level and Decimal(level["quantity"]) == Decimal(quantity) and level["orders"] == 2, asks


@then(parsers.parse("the book of {symbol} shows {quantity} bid at {price}"))
def book_bids(exchange: ExchangeClient, symbol: str, quantity: str, price: str):
    bids = {Decimal(level["price"]): Decimal(level["quantity"]) for level in exchange.order_book(symbol)["bids"]}
    assert bids.get(Decimal(price)) == Decimal(quantity), bids


@when(parsers.parse("a seller funded with {funds} places a limit {side} order for {quantity} {symbol} at {price}"))
def seller_places(exchange: ExchangeClient, trading: Trading, unique: str, funds: str, side: str, quantity: str,
                  symbol: str, price: str):
    seller = exchange.funded_account(f"seller-{unique}", _funds(funds))
    reply = exchange.place({"account_id": seller, "symbol": symbol, "side": side, "type": "LIMIT",
                            "quantity": quantity, "price": price})
    assert reply.status_code == 201, reply.text


@then(parsers.parse("the resting order reads FILLED and the account holds {base_amount} {base} and {quote_amount} {quote}"))
def resting_filled(exchange: ExchangeClient, trading: Trading, base_amount: str, base: str, quote_amount: str,
                   quote: str):
    assert exchange.order(trading.last_order["order_id"])["status"] == "FILLED"
    balances = exchange.balances(trading.account)
    got = (Decimal(balances[base]["total"]), Decimal(balances[quote]["total"]))
    assert got == (Decimal(base_amount), Decimal(quote_amount)), balances


@then(parsers.parse("the buyer holds {base_amount} {base} and {quote_amount} {quote} with nothing locked"))
def buyer_holds(exchange: ExchangeClient, trading: Trading, base_amount: str, base: str, quote_amount: str, quote: str):
    balances = exchange.balances(trading.account)
    assert Decimal(balances[base]["available"]) == Decimal(base_amount), balances
    assert Decimal(balances[quote]["available"]) == Decimal(quote_amount), balances
    assert all(Decimal(b["locked"]) == 0 for b in balances.values()), balances


@then(parsers.parse("the account's {asset} balance reads available {available} and locked {locked}"))
def asset_reads(exchange: ExchangeClient, trading: Trading, asset: str, available: str, locked: str):
    b = exchange.balances(trading.account)[asset]
    assert (Decimal(b["available"]), Decimal(b["locked"])) == (Decimal(available), Decimal(locked)), b


@when("the account cancels that order")
def cancels(exchange: ExchangeClient, trading: Trading):
    trading.reply = exchange.cancel(trading.last_order["order_id"])
    assert trading.reply.status_code == 200, trading.reply.text


@then(parsers.parse('cancelling it again answers {status:d} with the JSON error "{error}"'))
def cancels_again(exchange: ExchangeClient, trading: Trading, status: int, error: str):
    trading.reply = exchange.cancel(trading.last_order["order_id"])
    answers_error(trading, status, error)


# -- history and audit ----------------------------------------------------------------------------------
@then("the transaction history lists both fills with their price and value, and the deposit, newest first")
def history_lists(exchange: ExchangeClient, trading: Trading):
    listed = exchange.transactions(trading.account)
    fills = [t for o in reversed(trading.orders) for t in o["trades"]]
    assert [t.get("trade_id") for t in listed[:-1]] == [t["trade_id"] for t in fills], listed
    for got, want in zip(listed, fills):
        assert (got["type"], got["price"], got["value"], got["side"]) == ("TRADE", want["price"], want["value"],
                                                                          want["side"]), got
    assert listed[-1]["type"] == "DEPOSIT" and Decimal(listed[-1]["amount"]) == trading.funds["USD"], listed[-1]


@then("the audit trail holds a TRADE row for each balance leg of each fill")
def trade_audit_rows(exchange_rows: ExchangeRows, trading: Trading):
    rows = exchange_rows.audit_actions(trading.account)
    for order in trading.orders:
        for t in order["trades"]:
            legs = [r for r in rows if r[0] == "TRADE" and r[2] == t["trade_id"]]
            assert len(legs) == 2 and all(r[3] and r[4] for r in legs), (t["trade_id"], rows)


@then(parsers.parse("the account's audit trail records {actions} with old and new values"))
def audit_records(exchange_rows: ExchangeRows, trading: Trading, actions: str):
    rows = exchange_rows.audit_actions(trading.account)
    seen = [r[0] for r in rows]
    for action in re.split(r", | and ", actions):
        assert action in seen, f"no {action} in the audit trail {seen}"
    assert all(r[3] for r in rows if r[0] != "ACCOUNT_OPENED" and r[1] == "BALANCE"), rows


@then(parsers.parse("exchange.order_history records the order {statuses}"))
def history_records(exchange_rows: ExchangeRows, trading: Trading, statuses: str):
    assert exchange_rows.history(trading.last_order["order_id"]) == statuses.split(" -> ")


# -- parallel orders --------------------------------------------------------------------------------------
@when(parsers.parse("the account places {count:d} market {side} orders for {quantity} {symbol} at the same time"))
def places_in_parallel(exchange: ExchangeClient, trading: Trading, count: int, side: str, quantity: str, symbol: str):
    barrier = Barrier(count, timeout=10)
    body = {"account_id": trading.account, "symbol": symbol, "side": side, "type": "MARKET", "quantity": quantity}

    def one(_: int) -> httpx.Response:
        barrier.wait()
        return exchange.place(dict(body), record=False)

    with ThreadPoolExecutor(count) as pool:
        replies = list(pool.map(one, range(count)))
    exchange.evidence.record("http", f"{count} x POST {exchange.service}/api/v1/orders {json.dumps(body)}",
                             [r.status_code for r in replies])
    assert all(r.status_code in (201, 422) for r in replies), [r.text for r in replies if r.status_code not in (201, 422)]
    trading.orders = [_placed(r) for r in replies]


@then(parsers.parse("at most {count:d} of them are FILLED and the others REJECTED"))
def at_most_filled(trading: Trading, count: int):
    statuses = [o["status"] for o in trading.orders]
    assert set(statuses) <= {"FILLED", "REJECTED"}, statuses
    assert statuses.count("FILLED") <= count, f"{statuses.count('FILLED')} orders filled: {statuses}"


@then(parsers.parse("the {asset} spent by the fills plus the {same} still available is exactly {amount}"))
def conserved(exchange: ExchangeClient, trading: Trading, asset: str, same: str, amount: str):
    spent = sum((Decimal(t["value"]) for o in trading.orders for t in o.get("trades", [])), Decimal(0))
    available = exchange.available(trading.account, asset)
    assert spent + available == Decimal(amount), f"spent {spent} + available {available} != {amount}"


@then("no balance of the account is negative in exchange.balances")
def none_negative(exchange_rows: ExchangeRows, trading: Trading):
    rows = exchange_rows.balances(trading.account)
    assert all(v >= 0 for row in rows.values() for v in row), rows


# -- invalid orders -----------------------------------------------------------------------------------------
@when(parsers.parse("the account sends the order {body}"))
def sends_order(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading, unique: str, body: str):
    trading.footprint = exchange_rows.footprint(trading.account)
    trading.client_order_id = f"bad-{unique}"
    try:
        payload = json.loads(body.replace("$unknown", str(uuid.uuid4())))
    except json.JSONDecodeError:
        trading.reply = exchange.api("POST", "/api/v1/orders", raw=body.encode())
        return
    payload = {"account_id": trading.account, **payload, "client_order_id": trading.client_order_id}
    trading.reply = exchange.place(payload)


@then(parsers.parse("the account has no order, trade or settlement instruction and still {amount} {asset}"))
def wrote_nothing(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading, amount: str, asset: str):
    assert exchange_rows.footprint(trading.account) == trading.footprint
    assert exchange_rows.query("SELECT count(*) FROM {s}.orders WHERE external_id = %s",
                               (trading.client_order_id,))[0][0] == 0
    assert exchange.available(trading.account, asset) == Decimal(amount)


# -- decimal money --------------------------------------------------------------------------------------------
@then("every amount the exchange answers for the account is a decimal string with 8 places")
def eight_places(exchange: ExchangeClient, trading: Trading):
    for b in exchange.balances(trading.account).values():
        for key in ("available", "locked", "total"):
            assert isinstance(b[key], str) and EIGHT_PLACES.match(b[key]), b
    for t in exchange.transactions(trading.account):
        assert isinstance(t["amount"], str) and EIGHT_PLACES.match(t["amount"]), t


@then(parsers.parse("exchange.balances holds exactly {usd} USD and {eth} ETH for the account"))
def stored_exactly(exchange_rows: ExchangeRows, trading: Trading, usd: str, eth: str):
    rows = exchange_rows.balances(trading.account)
    assert (str(rows["USD"][0]), str(rows["ETH"][0])) == (usd, eth), rows


# -- storage (TSE-0001.4.2) ---------------------------------------------------------------------------------
@then(parsers.parse("the monitor user finds the order FILLED in exchange.orders with the quantity {quantity}"))
@then(parsers.parse("monitor_user finds the order FILLED in exchange.orders with the quantity {quantity}"))
def order_stored(exchange_rows: ExchangeRows, trading: Trading, quantity: str):
    row = exchange_rows.order(trading.last_order["order_id"])
    assert row is not None, "the order is not in exchange.orders"
    assert (row[0], row[1], row[2]) == ("FILLED", Decimal(quantity), Decimal(quantity)), row


@then("the monitor user finds its trade in exchange.trades with the price and value the exchange answered")
@then("monitor_user finds its trade in exchange.trades with the price and value the exchange answered")
def trade_stored(exchange_rows: ExchangeRows, trading: Trading):
    answered = [(t["trade_id"], Decimal(t["quantity"]), Decimal(t["price"]), Decimal(t["value"]))
                for t in trading.last_order["trades"]]
    assert answered and exchange_rows.trades(trading.last_order["order_id"]) == answered


@then("every balance the exchange answers for the account equals its row in exchange.balances")
def balances_are_rows(exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading):
    answered = {a: tuple(Decimal(b[k]) for k in ("available", "locked", "total"))
                for a, b in exchange.balances(trading.account).items()}
    assert answered == exchange_rows.balances(trading.account)
    assert any(v != (0, 0, 0) for v in answered.values()), answered


# -- settlement outbox ----------------------------------------------------------------------------------------
@then(parsers.parse("the outbox holds the DEPOSIT of {amount} {asset} and the two TRANSFER legs of the fill, in that order"))
def outbox_holds(exchange_rows: ExchangeRows, exchange: ExchangeClient, trading: Trading, amount: str, asset: str):
    house = f"exchange:{exchange.state()['instance']}"
    rows = exchange_rows.outbox(trading.account)
    trade = trading.last_order["trades"][0]
    base, quote = trade["symbol"].split("/")
    expected = [
        ("DEPOSIT", asset, Decimal(amount), None, None),
        ("TRANSFER", base, Decimal(trade["quantity"]), house, trading.account),
        ("TRANSFER", quote, Decimal(trade["value"]), trading.account, house),
    ]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == expected, rows
    assert rows[0][0].endswith(f":{asset}") and [r[0] for r in rows[1:]] == [f"{trade['trade_id']}:{base}",
                                                                             f"{trade['trade_id']}:{quote}"], rows


@given("the custodian acknowledges every instruction of the account and the outbox backlog is empty")
@then("the custodian acknowledges every instruction of the account and the outbox backlog is empty")
def outbox_sent(stack: Stack, exchange: ExchangeClient, exchange_rows: ExchangeRows, trading: Trading):
    def all_sent() -> bool:
        return all(r[6] == "SENT" and r[7] for r in exchange_rows.outbox(trading.account))
    wait_until(all_sent, stack.timing.ready_timeout, message="every instruction of the account to be SENT")
    for external_id, *_, settlement_id in exchange_rows.outbox(trading.account):
        assert custodian_settlement(stack, exchange.evidence, settlement_id)["external_id"] == external_id
    settlement = exchange.state()["settlement"]
    assert settlement["last_error"] is None, settlement


@then("the instruction of that deposit stays PENDING while the dispatcher retries it")
def retried(stack: Stack, exchange_rows: ExchangeRows, trading: Trading):
    def latest() -> tuple[str, int]:
        return exchange_rows.query("SELECT status, attempts FROM {s}.settlement_outbox WHERE account_id = %s "
                                   "ORDER BY outbox_id DESC LIMIT 1", (trading.account,))[0]
    wait_until(lambda: latest()[0] != "PENDING" or latest()[1] >= 2, stack.timing.ready_timeout,
               message="the dispatcher to retry the instruction")
    assert latest()[0] == "PENDING", f"the instruction left the outbox while the custodian is down: {latest()}"
