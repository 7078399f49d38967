"""The market-data audit/control API (AUDIT_PORT only, never the production port).

    GET  /audit/v1/state                          {paused, interval_seconds, spread_bps, sigma, seed,
                                                   subscribers, published, ticks, faults, history_length,
                                                   writes_dropped, symbols: {symbol: {price, bid, ask,
                                                   feed_sequence, timestamp, timestamp_ns}}, pegged: {...}}
    PUT  /audit/v1/prices/{base}/{quote}          {"price": "60000"} -> the published quote (next feed_sequence)
    POST /audit/v1/prices/{base}/{quote}/shock    {"percent": "-10"} -> price *= 1 + percent/100, published now
    POST /audit/v1/feed/pause | /feed/resume      -> {"paused": bool}; paused: no random-walk ticks
    PUT  /audit/v1/feed/interval                  {"seconds": "0.1"} -> {"interval_seconds": 0.1}
    PUT  /audit/v1/snapshots/interval             {"seconds": "0.5"} -> {"snapshot_interval_seconds": 0.5}

Invalid input gets a 4xx JSON error and changes nothing.
"""
from __future__ import annotations

from decimal import Decimal

from simulators.common.contract import Amount, body
from simulators.common.http import ApiError, Request, Response, Router

MIN_INTERVAL, MAX_INTERVAL = Decimal("0.001"), Decimal("3600")
PRICE = body(price=Amount())
# above -100, at most 1000: -99.99999999 .. 999.99999999, and 1000
PERCENT = r"-?(?:0|[1-9][0-9]?)(?:\.[0-9]{1,8})?|[1-9][0-9]{2}(?:\.[0-9]{1,8})?|1000(?:\.0{1,8})?"
SHOCK = body(percent=Amount(sign="any", form=PERCENT, minimum=-99, maximum=1000, description="above -100, at most 1000"))
# from 0.001 to 3600: 0.001 .. 0.99999999, 1 .. 3599.99999999, and 3600
SECONDS_FORM = (r"0\.(?:00[1-9][0-9]{0,5}|0[1-9][0-9]{0,6}|[1-9][0-9]{0,7})"
                r"|(?:[1-9][0-9]{0,2}|[12][0-9]{3}|3[0-5][0-9]{2})(?:\.[0-9]{1,8})?|3600(?:\.0{1,8})?")
SECONDS = body(seconds=Amount(form=SECONDS_FORM, minimum=1, maximum=3600,
                              description=f"from {MIN_INTERVAL} to {MAX_INTERVAL}"))


def add_audit_routes(router: Router, domain) -> None:
    feed = domain.feed

    def symbol(request: Request) -> str:
        name = f"{request.params['base']}/{request.params['quote']}"
        if feed.quote(name) is None:
            raise ApiError(404, "unknown_symbol", f"No price feed for {name!r}; known: {', '.join(feed.symbols)}.")
        return name

    @router.route("GET", "/audit/v1/state")
    def state(_: Request) -> Response:
        return Response(200, domain.state())

    @router.route("PUT", "/audit/v1/prices/{base}/{quote}", body=PRICE)
    def set_price(request: Request) -> Response:
        name = symbol(request)
        return Response(200, feed.publish(name, request.data["price"]).as_json())

    @router.route("POST", "/audit/v1/prices/{base}/{quote}/shock", body=SHOCK)
    def shock(request: Request) -> Response:
        name = symbol(request)
        percent = request.data["percent"]
        if not Decimal(-100) < percent <= Decimal(1000):
            raise ApiError(422, "invalid_value", "The field 'percent' must be above -100 and at most 1000.")
        return Response(200, feed.shock(name, percent).as_json())

    @router.route("POST", "/audit/v1/feed/pause")
    def pause(_: Request) -> Response:
        feed.set_paused(True)
        return Response(200, {"paused": True})

    @router.route("POST", "/audit/v1/feed/resume")
    def resume(_: Request) -> Response:
        feed.set_paused(False)
        return Response(200, {"paused": False})

    @router.route("PUT", "/audit/v1/feed/interval", body=SECONDS)
    def interval(request: Request) -> Response:
        feed.set_interval(_seconds(request))
        return Response(200, {"interval_seconds": feed.interval})

    @router.route("PUT", "/audit/v1/snapshots/interval", body=SECONDS)
    def snapshot_interval(request: Request) -> Response:
        domain.set_snapshot_interval(_seconds(request))
        return Response(200, {"snapshot_interval_seconds": domain.snapshot_seconds})


def _seconds(request: Request) -> float:
    seconds = request.data["seconds"]
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise ApiError(422, "invalid_value", f"The field 'seconds' must be from {MIN_INTERVAL} to {MAX_INTERVAL}.")
    return float(seconds)
