"""Check request bodies and path parameters; every problem is a 422 ApiError naming the field.

Error codes: missing_field, wrong_type, invalid_value, out_of_range, unknown_field,
invalid_name, invalid_key, invalid_environment.
"""
from __future__ import annotations

import math
import re

from simulators.common.contract import AnyValue, Integer, Map, Number, Text, body
from simulators.common.http import ApiError

NAME = re.compile(r"^[a-z0-9-]{1,63}$")
CONFIG_KEY = re.compile(r"^[a-z0-9_.-]{1,128}$")
PORT_NAME = re.compile(r"^[a-z0-9_-]{1,32}$")
STATUSES = ("starting", "healthy", "degraded", "unhealthy")
CONFIG_TYPES = ("string", "integer", "number", "boolean", "url", "duration")

SERVICE_NAME = Text(max_len=63, pattern=NAME.pattern[1:-1].replace("{1,63}", "+"), code="invalid_name",
                    what="service name")
INSTANCE_NAME = Text(max_len=63, pattern=NAME.pattern[1:-1].replace("{1,63}", "+"), code="invalid_name",
                     what="instance name")
KEY = Text(max_len=128, pattern=CONFIG_KEY.pattern[1:-1].replace("{1,128}", "+"), code="invalid_key", what="key")
# A host name or IP address: no space, path, user, query or control character. The space characters are
# spelt out: \s differs between Python and the ECMA regular expressions of JSON Schema (\x85, \ufeff).
HOST = r"[^/@?#\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
SERVICE = body("A service instance to register; it replaces the entry of that name and instance.",
               name=SERVICE_NAME,
               instance=Text(required=False, max_len=63, pattern=INSTANCE_NAME.pattern, code="invalid_name",
                             what="instance name", description="defaults to name"),
               host=Text(max_len=253, pattern=HOST, what="host"),
               ports=Map(keys=Text(max_len=32, pattern=PORT_NAME.pattern[1:-1].replace("{1,32}", "+"), what="port name"),
                         values=Integer(minimum=1, maximum=65535), min_items=1, max_items=32),
               version=Text(max_len=64),
               metadata=Map(required=False, keys=Text(max_len=64, min_len=1), values=Text(max_len=1024, min_len=0),
                            max_items=64),
               status=Text(required=False, default="healthy", choices=STATUSES))
HEARTBEAT = body("What a heartbeat may change: only the health status.", required=False,
                 status=Text(required=False, choices=STATUSES))
# The forms of a url and a duration value, the same for the check and the document.
PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL = (r"[a-z][a-z0-9+.-]*://(?:[^/?#@\x00-\x20\x7f]+@)?(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])"
       rf"(?::{PORT})?(?:[/?#][^\x00]*)?")
DURATION = r"[0-9]{1,12}(?:\.[0-9]{1,9})?(?:ms|s|m|h)"
STRING_MAX = 4096
URL_MAX = 2048
_VALUES = {"string": {"type": "string", "maxLength": STRING_MAX},
           "integer": {"type": "integer"}, "number": {"type": "number"}, "boolean": {"type": "boolean"},
           "url": {"type": "string", "maxLength": URL_MAX, "pattern": f"^(?:{URL})$"},
           "duration": {"type": "string", "pattern": f"^(?:{DURATION})$"}}
CONFIG = body("A configuration value and its type; min and max apply to integer and number values and are kept "
              "for later writes of the same type (min <= value <= max, which JSON Schema cannot state).",
              one_of=tuple({"properties": {"type": {"const": kind}, "value": schema,
                                           **({} if kind in ("integer", "number") else
                                              {"min": {"type": "null"}, "max": {"type": "null"}})}}
                           for kind, schema in _VALUES.items()),
              value=AnyValue(description="checked against type"), type=Text(max_len=16, choices=CONFIG_TYPES),
              min=Number(required=False), max=Number(required=False))
_URL, _DURATION_VALUE = re.compile(URL), re.compile(DURATION)


def _error(code: str, message: str) -> ApiError:
    return ApiError(422, code, message)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def service_entry(data: dict) -> dict:
    """SERVICE's checked fields (SERVICE.parse) as the entry to store (without timestamps)."""
    return {**data, "instance": data["instance"] or data["name"], "metadata": dict(data["metadata"] or {})}


def heartbeat_changes(data: dict) -> dict:
    """HEARTBEAT's checked fields as the changes to apply."""
    return {"status": data["status"]} if data["status"] else {}


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
        if len(value) > STRING_MAX:
            raise _error("invalid_value", f"A string value may be at most {STRING_MAX} characters.")
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
        if len(value) > URL_MAX or not _URL.fullmatch(value):
            raise _error("invalid_value", f"The value {value[:80]!r} is not a URL with a scheme and a host "
                                          "(scheme://[user@]host[:port][/path]).")
    elif value_type == "duration":
        if not isinstance(value, str):
            raise wrong
        if not _DURATION_VALUE.fullmatch(value):
            raise _error("invalid_value", f"The value {value[:80]!r} is not a duration such as \"30s\", \"500ms\" or \"2m\".")


def config_value(body: dict, previous: dict | None) -> dict:
    """A configuration write (CONFIG's checked fields) as {"value", "type"[, "min", "max"]}, checked
    against its type and limits."""
    value_type = body["type"]
    value = body["value"]
    _check_type(value, value_type)
    limits = _limits(body, value_type, previous)
    if "min" in limits and value < limits["min"] or "max" in limits and value > limits["max"]:
        bounds = f"from {limits.get('min', '-inf')} to {limits.get('max', 'inf')}"
        raise _error("out_of_range", f"The value {value} is outside the allowed range {bounds}.")
    return {"value": value, "type": value_type, **limits}
