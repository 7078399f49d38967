"""Audit correlator routes and gRPC servicer.

    POST /api/v1/events        record an audit event -> 201
    GET  /api/v1/events/{id}   one event
    GET  /api/v1/traces/{id}   the events of one W3C trace, grouped (traces.py)
    gRPC trading.audit.v1.AuditCorrelator/RecordEvent
"""
from __future__ import annotations

import json

import grpc

from simulators.common import fields
from simulators.common.http import ApiError, Request, Response, Router
from simulators.common.service import Domain
from simulators.common.settings import Defaults
from simulators.proto import load

from . import traces
from .repository import AuditEvents

pb, pb_grpc = load("audit")
STATUSES = ("PENDING", "SUCCESS", "FAILED", "TIMEOUT")
SEVERITIES = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FIELDS = ("trace_id", "span_id", "service_name", "instance_name", "event_type", "status", "severity", "metadata")


def event_from(body: dict) -> dict:
    fields.only(body, FIELDS)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiError(422, "wrong_type", "The field 'metadata' must be a JSON object.")
    service = fields.text(body, "service_name")
    return {
        "trace_id": fields.text(body, "trace_id", max_len=64, required=False),
        "span_id": fields.text(body, "span_id", max_len=32, required=False),
        "service_name": service,
        "instance_name": fields.text(body, "instance_name", required=False, default=service),
        "event_type": fields.text(body, "event_type"),
        "status": fields.text(body, "status", required=False, default="PENDING", choices=STATUSES),
        "severity": fields.text(body, "severity", required=False, default="INFO", choices=SEVERITIES),
        "metadata": metadata,
    }


class AuditDomain(Domain):
    defaults = Defaults(service_name="audit-correlator", namespace="audit", faults=traces.FAULTS)

    def __init__(self, app):
        super().__init__(app)
        self.events = AuditEvents(app.db)

    def routes(self, router: Router) -> None:
        @router.route("POST", "/api/v1/events")
        def record(request: Request) -> Response:
            return Response(201, self.events.record(event_from(request.json_object())))

        fields.add_lookup(router, "/api/v1/events/{id}", self.events.get, "event")
        traces.routes(router, self.app.db, self.app.settings.faults)

    def grpc(self, server) -> None:
        server.add(pb_grpc.add_AuditCorrelatorServicer_to_server, _Servicer(self),
                   pb.DESCRIPTOR.services_by_name["AuditCorrelator"].full_name)


class _Servicer(pb_grpc.AuditCorrelatorServicer):
    def __init__(self, domain: AuditDomain):
        self.domain = domain

    def RecordEvent(self, request, context):  # noqa: N802 - gRPC method name
        body = {key: value for key, value in {
            "trace_id": request.trace_id, "span_id": request.span_id, "service_name": request.service_name,
            "event_type": request.event_type, "status": request.status or None}.items() if value}
        try:
            if request.metadata_json:
                body["metadata"] = json.loads(request.metadata_json)
                if isinstance(body["metadata"], dict) and isinstance(body["metadata"].get("instance"), str):
                    body["instance_name"] = body["metadata"]["instance"]  # the reporting instance, when it says
            stored = self.domain.events.record(event_from(body))
        except (ApiError, ValueError) as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except Exception as exc:  # noqa: BLE001 - dependency down
            context.abort(grpc.StatusCode.UNAVAILABLE, f"the audit store is unavailable: {exc}")
        return pb.RecordEventReply(event_id=stored["event_id"])
