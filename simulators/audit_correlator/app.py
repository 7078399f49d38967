"""Audit correlator routes and gRPC servicer.

    POST /api/v1/events        record an audit event -> 201
    GET  /api/v1/events/{id}   one event
    GET  /api/v1/topology      the service topology (TSE-0002), from TOPOLOGY_FILE
    GET  /api/v1/traces/{id}   the events of one W3C trace, grouped (traces.py)
    gRPC trading.audit.v1.AuditCorrelator/RecordEvent
    gRPC trading.audit.v1.TopologyService/GetTopology
"""
from __future__ import annotations

import grpc

from simulators.common import fields
from simulators.common.contract import Json, Text, body
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.openapi import shape
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from . import traces
from .chaos import add_correlation_routes
from .repository import AuditEvents
from .topology import TopologySource, to_message

pb, pb_grpc = load("audit")
STATUSES = ("PENDING", "SUCCESS", "FAILED", "TIMEOUT")
SEVERITIES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Deliberate defects (SIMULATOR_FAULTS) for the harness's own tests: record-rejected, a refused event still
# writes a row; topology-nodes-only, the topology is served without its edges; drops-chaos-links, chaos
# correlations link no alert.
FAULTS = ("record-rejected", "topology-nodes-only", "drops-chaos-links")
REJECTED = {"trace_id": None, "span_id": None, "service_name": "rejected", "instance_name": "rejected",
            "event_type": "rejected", "status": "FAILED", "severity": "ERROR", "metadata": None}
EVENT = body("An audit event; instance_name defaults to service_name.",
             trace_id=Text(max_len=64, required=False), span_id=Text(max_len=32, required=False),
             service_name=Text(), instance_name=Text(required=False), event_type=Text(),
             status=Text(required=False, default="PENDING", choices=STATUSES),
             severity=Text(required=False, default="INFO", choices=SEVERITIES), metadata=Json(required=False))


def event_from(data: dict) -> dict:
    """The row to store from EVENT's checked fields (EVENT.parse)."""
    return {**data, "instance_name": data["instance_name"] or data["service_name"]}


class AuditDomain(Domain):
    defaults = Defaults(service_name="audit-correlator", namespace="audit", faults=FAULTS + traces.FAULTS)

    def __init__(self, app):
        super().__init__(app)
        self.events = AuditEvents(app.db)
        self.topology = TopologySource(app.settings.env.string("TOPOLOGY_FILE", "") or None,
                                       nodes_only="topology-nodes-only" in app.settings.faults)

    def routes(self, router: Router) -> None:
        def record(request: Request) -> Response:
            """Record an audit event."""
            return Response(201, self.events.record(event_from(request.data)))

        if "record-rejected" in self.app.settings.faults:
            router.add("POST", "/api/v1/events", self._record_even_rejected, ok=201, errors=(415, 422))
        else:
            router.add("POST", "/api/v1/events", record, body=EVENT, ok=201,
                       returns=shape(event_id="string", service_name="string", instance_name="string",
                                     event_type="string", status="string", severity="string", metadata="object?"))

        fields.add_lookup(router, "/api/v1/events/{id}", self.events.get, "event")
        add_correlation_routes(router, self.app.db, drop_links="drops-chaos-links" in self.app.settings.faults)
        traces.routes(router, self.app.db, self.app.settings.faults)

        @router.route("GET", "/api/v1/topology", errors=(503,))
        def topology(request: Request) -> Response:
            """The stack's topology (nodes and edges), as generated from its compose file."""
            return Response(200, self.topology.current())

    def _record_even_rejected(self, request: Request) -> Response:
        """The record-rejected fault: a refused event leaves a row behind."""
        try:
            data = EVENT.parse(request.json_object())
        except ApiError:
            self.events.record(REJECTED)
            raise
        return Response(201, self.events.record(event_from(data)))

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_AuditCorrelatorServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["AuditCorrelator"].full_name)
        server.add(pb_grpc.add_TopologyServiceServicer_to_server, _TopologyServicer(self.topology),
                   pb.DESCRIPTOR.services_by_name["TopologyService"].full_name)


class _TopologyServicer(pb_grpc.TopologyServiceServicer):
    def __init__(self, topology: TopologySource):
        self.topology = topology

    def GetTopology(self, request, context):  # noqa: N802 - gRPC method name
        try:
            return to_message(pb, self.topology.current())
        except ApiError as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, exc.message)
        except (KeyError, TypeError, ValueError) as exc:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the topology file is not a valid topology: {exc}")


class _Servicer(pb_grpc.AuditCorrelatorServicer):
    def __init__(self, domain: AuditDomain):
        self.domain = domain

    def RecordEvent(self, request, context):  # noqa: N802 - gRPC method name
        body = {key: value for key, value in {
            "trace_id": request.trace_id, "span_id": request.span_id, "service_name": request.service_name,
            "event_type": request.event_type, "status": request.status or None}.items() if value}
        try:
            if request.metadata_json:
                body["metadata"] = _storable_json(request.metadata_json)
                if isinstance(body["metadata"], dict) and isinstance(body["metadata"].get("instance"), str):
                    body["instance_name"] = body["metadata"]["instance"]  # the reporting instance, when it says
            stored = self.domain.events.record(event_from(EVENT.parse(body)))
        except (ApiError, ValueError) as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except Exception as exc:  # noqa: BLE001 - dependency down
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the audit store is unavailable: {exc}")
        return pb.RecordEventReply(event_id=stored["event_id"])


def _storable_json(text: str) -> object:
    """metadata_json parsed as the HTTP API parses a body (NUL, lone surrogates, Infinity refused)."""
    return Request("POST", "/", {}, {"content-type": "application/json"}, text.encode("utf-8", "surrogatepass")).json()
