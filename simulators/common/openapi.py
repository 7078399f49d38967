"""Render a router's routes as an OpenAPI 3 document (GET /openapi.json).

Each operation lists its success answer and every error answer the router can give it:
400 (malformed request, NUL in the path), 503 (a dependency down), 404 with path parameters,
413/415/422 with a JSON body, 422 with query parameters, plus the route's own (e.g. 409).
Errors are {"error", "message"}; the body and query schemas come from the route's declarations.
"""
from __future__ import annotations

import re

OPENAPI_VERSION = "3.1.0"
ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
REASONS = {200: "OK", 201: "Created", 204: "No content", 400: "Malformed request", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Body too large (over the server's limit, 64 KiB by default)", 415: "Not JSON",
           422: "Invalid field", 500: "Server error", 502: "A peer answered an error",
           503: "A dependency (PostgreSQL, Redis, a peer) is unavailable"}
_PARAM = re.compile(r"{([^}]+)}")


def shape(**fields: str) -> dict:
    """The documented shape of a JSON answer: field=type ("string", "integer", "object", ...; "string?" may be
    null). Every field named is required; the answer may carry more. The fuzz checks answers against it."""
    def typed(kind: str) -> dict:
        return {"type": [kind[:-1], "null"]} if kind.endswith("?") else {"type": kind}
    return {"type": "object", "required": list(fields), "properties": {name: typed(kind) for name, kind in fields.items()}}


def _success(route, status: int) -> dict:
    reason = {"description": REASONS.get(status, "OK")}
    if status == 204:
        return reason
    if not route.media.endswith("json"):
        schema = {"type": "string"}
    else:
        schema = route.returns if route.returns is not None and status == route.ok[0] else {"type": "object"}
    return {**reason, "content": {route.media: {"schema": schema}}}


def _query_schema(spec) -> dict:
    schema = spec.json_schema()
    return {**schema, "default": spec.default} if spec.default is not None else schema


def operation(route) -> dict:
    errors = {400, 503, *route.errors}
    params = _PARAM.findall(route.template)
    if params:
        errors.add(404)
    if route.body is not None:
        errors |= {413, 415, 422}
    if route.query or route.params:
        errors.add(422)
    responses = {str(status): _success(route, status) for status in route.ok}
    for status in sorted(errors - set(route.ok)):
        responses[str(status)] = {"description": REASONS.get(status, "Error"),
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op: dict = {"operationId": f"{route.method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', route.template)}",
                "responses": responses}
    if route.summary:
        op["summary"] = route.summary
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": route.params[name].json_schema() if name in route.params else {"type": "string", "minLength": 1}}
                  for name in params]
    parameters += [{"name": name, "in": "query", "required": spec.required, "schema": _query_schema(spec)}
                   for name, spec in route.query.items()]
    if parameters:
        op["parameters"] = parameters
    if route.body is not None:
        op["requestBody"] = {"required": route.body.required,
                             "content": {"application/json": {"schema": route.body.schema()}}}
    return op


def document(routes, title: str, version: str, description: str = "") -> dict:
    paths: dict[str, dict] = {}
    for route in routes:
        paths.setdefault(route.template, {})[route.method.lower()] = operation(route)
    info = {"title": title, "version": version}
    if description:
        info["description"] = description
    return {"openapi": OPENAPI_VERSION, "info": info, "paths": paths, "components": {"schemas": {"Error": ERROR}}}
