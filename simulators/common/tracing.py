"""W3C trace context across the ecosystem's hops, with OpenTelemetry's API and SDK.

- HTTP: a request's `traceparent` header is extracted and the route runs in a server span
  (`http_dispatch` wraps a Router's dispatch).
- gRPC: the server interceptor does the same with the call's `traceparent` metadata; outgoing calls
  (`Peers.call`) inject the current context (`outgoing_metadata`).
- Work handed to another thread later (the exchange's settlement outbox) keeps the `traceparent`
  of the span that created it (`current_traceparent`) and continues it (`continued`).
- A service records the trace events of its hop with the audit correlator (`TraceEvents.record`),
  from a background thread so a request never waits for it; the correlator groups them by trace id.

Sampling follows the caller (ParentBased): a trace starts sampled only when the client sends a
sampled traceparent (flags 01), so untraced traffic records nothing. No exporter: the spans exist to
carry the context and give each hop its own span id.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

log = logging.getLogger("tracing")
PROPAGATOR = TraceContextTextMapPropagator()  # W3C traceparent / tracestate only
HEADER = "traceparent"
_tracer: trace.Tracer | None = None


def setup(service: str, instance: str) -> None:
    """One tracer provider per process, named after the service instance."""
    global _tracer
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.instance.id": instance}),
                              sampler=ParentBased(ALWAYS_OFF))
    _tracer = provider.get_tracer("trading-ecosystem.simulators")


def tracer() -> trace.Tracer:
    return _tracer or trace.get_tracer("trading-ecosystem.simulators")


@contextmanager
def server_span(name: str, carrier: dict[str, str]) -> Iterator[trace.Span]:
    """Run a request's work in a server span whose parent is the carrier's traceparent (if any)."""
    parent = PROPAGATOR.extract(carrier) if HEADER in carrier else otel_context.Context()
    with tracer().start_as_current_span(name, context=parent, kind=SpanKind.SERVER) as span:
        yield span


@contextmanager
def continued(traceparent: str | None, name: str) -> Iterator[None]:
    """Continue a stored traceparent in a new internal span (nothing when there is none)."""
    if not traceparent:
        yield
        return
    with tracer().start_as_current_span(name, context=PROPAGATOR.extract({HEADER: traceparent}),
                                        kind=SpanKind.INTERNAL):
        yield


def current_traceparent() -> str | None:
    """The traceparent of the current span when it is sampled, else None."""
    span = trace.get_current_span().get_span_context()
    if not span.is_valid or not span.trace_flags.sampled:
        return None
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return carrier.get(HEADER)


def outgoing_metadata() -> list[tuple[str, str]]:
    """gRPC metadata carrying the current context ([] outside a span)."""
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return list(carrier.items())


def http_dispatch(dispatch: Callable) -> Callable:
    """Wrap Router.dispatch: every request runs in a server span continuing its traceparent."""
    def traced(request):
        with server_span(f"HTTP {request.method}", request.headers):
            return dispatch(request)
    return traced


class ServerInterceptor(grpc.ServerInterceptor):
    """Every unary call and server stream runs in a server span continuing the caller's traceparent."""

    def intercept_service(self, continuation, details):
        handler = continuation(details)
        if handler is None:
            return None
        carrier = {key: value for key, value in details.invocation_metadata or () if key == HEADER}
        if not carrier:
            return handler
        method = details.method
        if handler.unary_unary:
            inner = handler.unary_unary

            def unary(request, context):
                with server_span(method, carrier):
                    return inner(request, context)
            return grpc.unary_unary_rpc_method_handler(unary, handler.request_deserializer,
                                                       handler.response_serializer)
        if handler.unary_stream:
            stream = handler.unary_stream

            def streaming(request, context):
                with server_span(method, carrier):
                    yield from stream(request, context)
            return grpc.unary_stream_rpc_method_handler(streaming, handler.request_deserializer,
                                                        handler.response_serializer)
        return handler


class TraceEvents:
    """Records each sampled hop with the audit correlator (trading.audit.v1.AuditCorrelator/RecordEvent)."""

    def __init__(self, peers, service: str, instance: str, correlator: str = "audit-correlator", size: int = 1000):
        self.peers = peers
        self.service = service
        self.instance = instance
        self.correlator = correlator
        self.queue: queue.Queue = queue.Queue(maxsize=size)
        self.sent = self.failed = self.dropped = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def record(self, event_type: str, **metadata: object) -> None:
        """Queue an event for the current span, when it is sampled (a no-op otherwise)."""
        span = trace.get_current_span()
        ctx = span.get_span_context()
        if not ctx.is_valid or not ctx.trace_flags.sampled or self.service == self.correlator:
            return
        parent = getattr(span, "parent", None)
        event = {"trace_id": trace.format_trace_id(ctx.trace_id), "span_id": trace.format_span_id(ctx.span_id),
                 "event_type": event_type,
                 "metadata": {"instance": self.instance,
                              "parent_span_id": trace.format_span_id(parent.span_id) if parent else None,
                              **metadata}}
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            return
        with self._lock:
            if self._thread is None:  # started with the first sampled trace
                self._thread = threading.Thread(target=self._send_forever, name="trace-events", daemon=True)
                self._thread.start()

    def _send_forever(self) -> None:
        from simulators.proto import load  # the generated modules, loaded once a trace is seen
        pb, pb_grpc = load("audit")
        while True:
            event = self.queue.get()
            request = pb.AuditEvent(trace_id=event["trace_id"], span_id=event["span_id"],
                                            service_name=self.service, event_type=event["event_type"],
                                            status="SUCCESS", metadata_json=json.dumps(event["metadata"]))
            try:
                self.peers.call(self.correlator, pb_grpc.AuditCorrelatorStub, "RecordEvent", request)
                self.sent += 1
            except Exception as exc:  # noqa: BLE001 - the correlator is down: the event is lost, counted
                self.failed += 1
                if self.failed in (1, 10) or self.failed % 100 == 0:
                    log.warning("trace event not recorded", extra={"error": str(exc), "failed": self.failed})
