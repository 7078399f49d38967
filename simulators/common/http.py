"""A tiny JSON-over-HTTP framework on the standard library, shared by the simulators.

- Router: method + path patterns ("/api/v1/services/{name}") to handlers; 404 for an
  unknown path, 405 (with Allow) for a known path and another method.
- Every error is {"error": "<code>", "message": "<sentence>"}: handlers raise ApiError;
  backend exceptions are mapped with Router.on_error (e.g. Redis down -> 503).
- make_server: a ThreadingHTTPServer with daemon threads, a request-body size limit
  (413) and a per-connection socket timeout, so a slow client cannot pin a thread.
- serve_until_signalled: run until SIGTERM/SIGINT, then shut down cleanly.
- A route may declare its JSON body and query parameters (simulators/common/contract.py): the
  router checks each request against them (request.data, request.values) and Router.openapi()
  publishes the same declarations as an OpenAPI 3 document.
- Nothing PostgreSQL or Redis cannot store gets past the request parser: a NUL character or a
  lone surrogate anywhere in a JSON body, a path segment or a query value is a 4xx.
"""
from __future__ import annotations

import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from .responses import JSON_TYPE, ApiError, Response  # noqa: F401 - handlers import them from here

if TYPE_CHECKING:
    from .contract import Body, Field

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: PostgreSQL and Redis refuse them


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _unstorable(text: str) -> bool:
    return "\x00" in text if text.isascii() else _UNSTORABLE.search(text) is not None


def _storable(document: object) -> object:
    """document, unless a string in it (key or value) holds NUL or a lone surrogate: then a 422."""
    pending = [(document, "body")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            strings = (value,)
        elif isinstance(value, dict):
            strings = tuple(value)
            pending.extend((item, f"{where}.{key[:40]}") for key, item in value.items())
        elif isinstance(value, list):
            strings = ()
            pending.extend((item, f"{where}[{index}]") for index, item in enumerate(value))
        else:
            continue
        if any(_unstorable(text) for text in strings):
            raise ApiError(422, "invalid_value",
                           f"{where} contains a NUL character or a lone surrogate, which cannot be stored.")
    return document


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # filled in by the router
    route: str = "unknown"  # the matched route pattern, filled in by the router (a metrics label)
    data: dict = field(default_factory=dict)  # the declared body's checked fields, filled in by the router
    values: dict = field(default_factory=dict)  # the declared query parameters, checked, filled in by the router

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json(self, *, required: bool = True) -> object:
        """The parsed JSON body: 415 if not declared JSON, 400 if empty (when required) or malformed.

        Returns None for an empty body that is not required.
        """
        if not self.body and not required:
            return None
        if not (self.content_type == JSON_TYPE or self.content_type.endswith("+json")):
            raise ApiError(415, "unsupported_media_type",
                           f"Content-Type must be {JSON_TYPE}, got {self.content_type or 'none'!r}.")
        if not self.body:
            raise ApiError(400, "invalid_json", "The request body is empty; a JSON document is required.")
        try:
            document = _DECODER.decode(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}.") from None
        except RecursionError:
            raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None
        # A NUL or a surrogate can only be in JSON text as a \u escape (raw, they are invalid).
        return _storable(document) if b"\\u" in self.body else document

    def json_object(self, *, required: bool = True) -> dict:
        """The body as a JSON object (422 if it is JSON of another shape, null included); {} if absent and optional."""
        if not self.body and not required:
            return {}
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(422, "wrong_type", "The request body must be a JSON object.")
        return data


Handler = Callable[[Request], Response]
# Called once per request with (method, route pattern or "unknown", path, status, seconds).
Observer = Callable[[str, str, str, int, float], None]


def _segments(path: str) -> list[str]:
    """Decoded path segments; one trailing slash is ignored."""
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    return [unquote(segment) for segment in path.split("/")[1:]]


@dataclass
class _Route:
    method: str
    pattern: list[str]
    handler: Handler
    template: str
    body: Body | None = None
    query: dict[str, Field] = field(default_factory=dict)
    params: dict[str, Field] = field(default_factory=dict)  # path parameters with a declared form
    summary: str = ""
    ok: tuple[int, ...] = (200,)
    errors: tuple[int, ...] = ()
    media: str = JSON_TYPE  # the success answer's content type
    returns: dict | None = None  # the JSON Schema of the first success answer (openapi.shape)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments):
            if want.startswith("{") and want.endswith("}"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params

    def prepare(self, request: Request) -> None:
        """Check the request against the declarations: path parameters, request.values (query), request.data (body)."""
        for name, spec in self.params.items():
            request.params[name] = spec.check(request.params[name], name)
        if self.query:
            request.values = {name: spec.take(request.query, name) for name, spec in self.query.items()}
        if self.body is not None:
            request.data = self.body.parse(request.json_object(required=self.body.required))


class Router:
    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._mappers: list[tuple[tuple[type[BaseException], ...], Callable[[BaseException], ApiError]]] = []
        self.log = logging.getLogger("http")

    def add(self, method: str, pattern: str, handler: Handler, *, body: Body | None = None,
            query: dict[str, Field] | None = None, params: dict[str, Field] | None = None,
            summary: str = "", ok: int | tuple[int, ...] = 200,
            errors: tuple[int, ...] = (), media: str = JSON_TYPE, returns: dict | None = None) -> None:
        """Route method + pattern to handler; body/query declare (and check) its input, ok/errors its answers."""
        self._routes.append(_Route(method.upper(), _segments(pattern), handler, pattern, body, dict(query or {}),
                                   dict(params or {}), summary or (handler.__doc__ or "").strip().split("\n")[0],
                                   ok if isinstance(ok, tuple) else (ok,), errors, media, returns))

    def route(self, method: str, pattern: str, **declared) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(method, pattern, handler, **declared)
            return handler
        return register

    def on_error(self, types: type[BaseException] | tuple[type[BaseException], ...],
                 to_error: Callable[[BaseException], ApiError]) -> None:
        """Turn an exception a handler lets escape into a client-visible ApiError."""
        self._mappers.append((types if isinstance(types, tuple) else (types,), to_error))

    def dispatch(self, request: Request) -> Response:
        segments = _segments(request.path)
        if any(_unstorable(text) for text in (*segments, *request.query, *request.query.values())):
            raise ApiError(400, "invalid_character", "The path or query contains a NUL character.")
        method = "GET" if request.method == "HEAD" else request.method
        allowed: list[str] = []
        for route in self._routes:
            params = route.match(segments)
            if params is None:
                continue
            request.route = route.template
            if route.method != method:
                allowed.append(route.method)
                continue
            request.params = params
            return self._call(route, request)
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            raise ApiError(405, "method_not_allowed",
                           f"{request.method} is not allowed on {request.path}; use {allow}.",
                           headers={"Allow": allow})
        raise ApiError(404, "not_found", f"No route for {request.path}.")

    def _call(self, route: _Route, request: Request) -> Response:
        try:
            route.prepare(request)
            return route.handler(request)
        except ApiError:
            raise
        except Exception as exc:  # mapped below, or re-raised as a bug
            for types, to_error in self._mappers:
                if isinstance(exc, types):
                    error = to_error(exc)
                    self.log.warning("request failed", extra={"path": request.path, "status": error.status,
                                                              "error": str(exc)})
                    raise error from exc
            raise

    def openapi(self, title: str, version: str, description: str = "") -> dict:
        """The OpenAPI 3 document of every route, from the same declarations that check requests."""
        from .openapi import document
        return document(self._routes, title, version, description)

    def publish_openapi(self, title: str, version: str, description: str = "") -> None:
        """Serve GET /openapi.json: this router's document (itself included)."""
        def openapi(_: Request) -> Response:
            """This service's OpenAPI 3 document."""
            return Response(200, self.openapi(title, version, description))
        self.add("GET", "/openapi.json", openapi, errors=())


class JsonHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """A request that broke outside the router (a client gone, a socket timeout under load) is one structured
        log line, not socketserver's plain-text traceback on stderr, which would break the service's JSON logs."""
        logging.getLogger("http").warning("the connection from %s ended with an error", client_address[0],
                                          exc_info=True)


def make_server(host: str, port: int, router: Router, *, max_body: int = 64 * 1024,
                request_timeout: float = 10.0, quiet_paths: Iterable[str] = ("/health",),
                logger: logging.Logger | None = None, observer: Observer | None = None) -> JsonHTTPServer:
    """A server bound to host:port (port 0 picks a free one) serving `router`."""
    handler = type("JsonRequestHandler", (_JsonRequestHandler,), {
        "router": router,
        "max_body": max_body,
        "timeout": request_timeout,
        "quiet_paths": frozenset(quiet_paths),
        "log": logger or logging.getLogger("http"),
        "observer": staticmethod(observer) if observer else None,
    })
    return JsonHTTPServer((host, port), handler)


class _JsonRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall
    server_version = "simulator"
    sys_version = ""
    router: Router
    max_body: int
    timeout: float  # socket timeout for every read and write on the connection
    quiet_paths: frozenset[str]
    log: logging.Logger
    observer: Observer | None

    def __getattr__(self, name: str):
        # Every method (GET, POST, BREW, ...) goes to the router, which answers 405 if need be.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        path = parts.path or "/"
        request = None
        try:
            body = self._read_body()
            query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            request = Request(self.command, path, query, headers, body)
            response = self.router.dispatch(request)
        except ApiError as exc:
            response = exc.response()
        except TimeoutError:
            self.close_connection = True
            self.log.info("client too slow; connection closed", extra={"method": self.command, "path": path})
            return
        except Exception:  # a bug: report it, keep serving
            self.log.exception("unhandled error", extra={"method": self.command, "path": path})
            response = ApiError(500, "internal_error", "The server failed to handle the request.").response()
        self._send(response)
        if self.observer is not None:
            route = request.route if request is not None else "unknown"
            self.observer(self.command, route, path, response.status, time.monotonic() - started)
        level = logging.DEBUG if path in self.quiet_paths else logging.INFO
        self.log.log(level, "request", extra={
            "method": self.command, "path": path, "status": response.status,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        })

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise ApiError(411, "length_required", "Send the body with a Content-Length, not chunked.")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise ApiError(400, "invalid_content_length", f"Content-Length {length_header!r} is not a size.") from None
        if length > self.max_body:
            self.close_connection = True  # the unread body must not be parsed as the next request
            raise ApiError(413, "payload_too_large",
                           f"The request body is {length} bytes; the limit is {self.max_body}.")
        body = self.rfile.read(length)
        if len(body) != length:
            raise TimeoutError("client closed the connection mid-body")
        return body

    def _send(self, response: Response) -> None:
        if isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode("utf-8")
        try:
            self.send_response(response.status)
            if response.body is not None:
                self.send_header("Content-Type", response.content_type)
            if response.status != 204:
                self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    # -- protocol-level errors (bad request line, oversized headers): JSON too
    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "error"
        self._send(ApiError(code, phrase.lower().replace(" ", "_"), message or phrase).response())

    def log_request(self, code: object = "-", size: object = "-") -> None:
        pass  # _handle logs one structured line per request

    def log_message(self, format: str, *args: object) -> None:  # stdlib signature
        self.log.debug(format % args)


def serve_until_signalled(server: JsonHTTPServer, logger: logging.Logger | None = None) -> None:
    """Serve in a thread until SIGTERM or SIGINT arrives, then stop serving and close the socket."""
    log = logger or logging.getLogger("http")
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               name="http-server", daemon=True)
    serving.start()
    try:
        # Wake up now and then only to notice a server thread that died on its own.
        while not stop.wait(timeout=1.0) and serving.is_alive():
            pass
    finally:
        server.shutdown()
        server.server_close()
        serving.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

