"""Check request bodies and path parameters; every problem is a 422 ApiError naming the field.

Error codes: missing_field, wrong_type, invalid_value, out_of_range, unknown_field,
invalid_name, invalid_key, invalid_environment.
"""
from __future__ import annotations

import math
import re
from urllib.parse import urlsplit

from simulators.common.config import parse_duration
from simulators.common.http import ApiError

NAME = re.compile(r"^[a-z0-9-]{1,63}$")
CONFIG_KEY = re.compile(r"^[a-z0-9_.-]{1,128}$")
PORT_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
STATUSES = ("starting", "healthy", "degraded", "unhealthy")
CONFIG_TYPES = ("string", "integer", "number", "boolean", "url", "duration")

_SERVICE_FIELDS = ("name", "instance", "host", "ports", "version", "metadata", "status")
_CONFIG_FIELDS = ("value", "type", "min", "max")


def _error(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _reject_unknown(body: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _error("unknown_field", f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}.")


def _string(body: dict, field: str, *, required: bool = True, max_len: int = 256) -> str | None:
    if field not in body:
        if required:
            raise _error("missing_field", f"The field '{field}' is required.")
        return None
    value = body[field]
    if not isinstance(value, str):
        raise _error("wrong_type", f"The field '{field}' must be a string.")
    if not value.strip() or len(value) > max_len:
        raise _error("invalid_value", f"The field '{field}' must be 1 to {max_len} characters.")
    return value


def name(value: str, what: str = "name") -> str:
    if not NAME.match(value):
        raise _error("invalid_name", f"The {what} {value!r} must be 1-63 characters of a-z, 0-9 and '-'.")
    return value


def config_key(value: str) -> str:
    if not CONFIG_KEY.match(value):
        raise _error("invalid_key", f"The key {value!r} must be 1-128 characters of a-z, 0-9, '_', '.' and '-'.")
    return value


def environment(value: str, known: tuple[str, ...]) -> str:
    if value not in known:
        raise _error("invalid_environment", f"The environment {value!r} is not one of {', '.join(known)}.")
    return value


def _ports(body: dict) -> dict[str, int]:
    if "ports" not in body:
        raise _error("missing_field", "The field 'ports' is required.")
    ports = body["ports"]
    if not isinstance(ports, dict):
        raise _error("wrong_type", "The field 'ports' must be an object of port name to number, like {\"http\": 8080}.")
    if not 1 <= len(ports) <= 32:
        raise _error("invalid_value", "The field 'ports' must name 1 to 32 ports.")
    for port_name, number in ports.items():
        if not PORT_NAME.match(port_name):
            raise _error("invalid_value", f"The port name {port_name!r} must be 1-32 characters of a-z, 0-9, '_' and '-'.")
        if not isinstance(number, int) or isinstance(number, bool):
            raise _error("wrong_type", f"The port '{port_name}' must be an integer.")
        if not 1 <= number <= 65535:
            raise _error("out_of_range", f"The port '{port_name}' is {number}; it must be from 1 to 65535.")
    return dict(ports)


def _metadata(body: dict) -> dict[str, str]:
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        raise _error("wrong_type", "The field 'metadata' must be an object of string to string.")
    if len(metadata) > 64:
        raise _error("invalid_value", "The field 'metadata' may hold at most 64 entries.")
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise _error("wrong_type", f"The metadata value '{key}' must be a string.")
        if not 1 <= len(key) <= 64 or len(value) > 1024:
            raise _error("invalid_value", f"The metadata entry '{key[:64]}' is too long (keys 1-64, values up to 1024 characters).")
    return dict(metadata)


def _status(body: dict) -> str:
    status = body.get("status", "healthy")
    if not isinstance(status, str):
        raise _error("wrong_type", "The field 'status' must be a string.")
    if status not in STATUSES:
        raise _error("invalid_value", f"The status {status!r} is not one of {', '.join(STATUSES)}.")
    return status


def service_entry(body: dict) -> dict:
    """A registration body as the entry to store (without timestamps)."""
    _reject_unknown(body, _SERVICE_FIELDS)
    service = name(_string(body, "name"), "service name")
    instance = name(_string(body, "instance", required=False) or service, "instance name")
    host = _string(body, "host", max_len=253)
    if any(char.isspace() or char in "/@?#" for char in host):
        raise _error("invalid_value", f"The host {host!r} must be a host name or IP address.")
    return {
        "name": service,
        "instance": instance,
        "host": host,
        "ports": _ports(body),
        "version": _string(body, "version", max_len=64),
        "metadata": _metadata(body),
        "status": _status(body),
    }


def heartbeat_changes(body: dict) -> dict:
    """What a heartbeat may change: only the health status."""
    _reject_unknown(body, ("status",))
    return {"status": _status(body)} if "status" in body else {}


# -- configuration values -------------------------------------------------------------

def _limits(body: dict, value_type: str, previous: dict | None) -> dict[str, float]:
    given = {field: body[field] for field in ("min", "max") if field in body and body[field] is not None}
    if not given:
        # Keep the limits of the value being replaced, so they guard every later update.
        same_type = previous is not None and previous.get("type") == value_type
        return {field: previous[field] for field in ("min", "max") if same_type and field in previous}
    if value_type not in ("integer", "number"):
        raise _error("invalid_value", f"min and max apply to integer and number values, not {value_type}.")
    for field, limit in given.items():
        if not _is_number(limit):
            raise _error("wrong_type", f"The field '{field}' must be a number.")
    if "min" in given and "max" in given and given["min"] > given["max"]:
        raise _error("invalid_value", f"min ({given['min']}) is greater than max ({given['max']}).")
    return given


def _check_type(value: object, value_type: str) -> None:
    wrong = _error("wrong_type", f"The value {value!r} is not of type {value_type}.")
    if value_type == "string":
        if not isinstance(value, str):
            raise wrong
        if len(value) > 4096:
            raise _error("invalid_value", "A string value may be at most 4096 characters.")
    elif value_type == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong
    elif value_type == "number":
        if not _is_number(value):
            raise wrong
    elif value_type == "boolean":
        if not isinstance(value, bool):
            raise wrong
    elif value_type == "url":
        if not isinstance(value, str):
            raise wrong
        try:
            parts = urlsplit(value)
            valid = bool(URL_SCHEME.match(parts.scheme)) and bool(parts.hostname) and len(value) <= 2048
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            valid = False
        if not valid:
            raise _error("invalid_value", f"The value {value!r} is not a URL with a scheme and a host.")
    elif value_type == "duration":
        if not isinstance(value, str):
            raise wrong
        try:
            parse_duration(value, require_unit=True)
        except ValueError:
            raise _error("invalid_value", f"The value {value!r} is not a duration such as \"30s\", \"500ms\" or \"2m\".") from None


def config_value(body: dict, previous: dict | None) -> dict:
    """A configuration write as {"value", "type"[, "min", "max"]}, checked against its type and limits."""
    _reject_unknown(body, _CONFIG_FIELDS)
    if "value" not in body:
        raise _error("missing_field", "The field 'value' is required.")
    value_type = _string(body, "type", max_len=16)
    if value_type not in CONFIG_TYPES:
        raise _error("invalid_value", f"The type {value_type!r} is not one of {', '.join(CONFIG_TYPES)}.")
    value = body["value"]
    _check_type(value, value_type)
    limits = _limits(body, value_type, previous)
    if "min" in limits and value < limits["min"] or "max" in limits and value > limits["max"]:
        bounds = f"from {limits.get('min', '-inf')} to {limits.get('max', 'inf')}"
        raise _error("out_of_range", f"The value {value} is outside the allowed range {bounds}.")
    return {"value": value, "type": value_type, **limits}
