"""Request declarations that both validate a request and describe it in the OpenAPI document.

A route declares its JSON body as a Body of typed fields (Text, Amount, Integer, Map, Json) and
its query parameters the same way; the router checks every request against the declaration
(a 4xx ApiError naming the field) and Router.openapi() renders the same declaration as JSON
Schema, so the published contract and the validation cannot drift apart.

Error codes: missing_field, wrong_type, invalid_value (or a field's own code, e.g. invalid_name),
out_of_range, unknown_field. A string PostgreSQL or Redis cannot store (NUL, a lone surrogate)
is invalid_value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from .http import ApiError

MAX_DECIMAL = Decimal("1e15")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# "Not blank and no NUL", as a JSON Schema pattern (a lone surrogate is not valid JSON text anyway).
_PRINTABLE = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def _error(code: str, message: str, status: int = 422) -> ApiError:
    return ApiError(status, code, message)


def _whole(value: object) -> object:
    """A JSON number with no fraction (3.0) as the integer it is, as JSON Schema counts it; anything else as is."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def unstorable(value: str) -> bool:
    """True when PostgreSQL text/jsonb or a Redis client cannot store value (NUL, lone surrogates)."""
    if value.isascii():
        return "\x00" in value
    return _UNSTORABLE.search(value) is not None


@dataclass(frozen=True)
class Field:
    """One declared value: required or not, its default, a sentence for the document."""

    required: bool = True
    default: object = None
    description: str = ""

    def check(self, value: object, name: str) -> object:
        raise NotImplementedError

    def json_schema(self) -> dict:
        raise NotImplementedError

    def take(self, body: dict, name: str) -> object:
        """The checked value of body[name]; null counts as absent."""
        if name not in body or body[name] is None:
            if self.required:
                raise _error("missing_field", f"The field '{name}' is required.")
            return self.default
        return self.check(body[name], name)

    def schema(self) -> dict:
        """The JSON Schema (2020-12, as OpenAPI 3.1 uses it); an optional field may also be null."""
        schema = self.json_schema()
        if not self.required:
            schema = {"anyOf": [schema, {"type": "null"}]} if schema else {}
            if self.default is not None:
                schema["default"] = self.default
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True)
class Text(Field):
    """A string of min_len..max_len characters, not blank; optionally one of choices or matching pattern."""

    max_len: int = 100
    min_len: int = 1
    choices: tuple[str, ...] | None = None
    pattern: str | None = None  # a full-match regular expression
    code: str = "invalid_value"  # the error code when pattern does not match
    what: str = ""  # how the message names the value ("service name"); the field name when empty

    def check(self, value: object, name: str) -> str:
        if not isinstance(value, str):
            raise _error("wrong_type", f"The field '{name}' must be a string.")
        if unstorable(value):
            raise _error("invalid_value", f"The field '{name}' contains a NUL character or a lone surrogate.")
        if self.choices is not None:
            if value not in self.choices:
                raise _error(self.code, f"The {self.what or 'field ' + repr(name)} must be one of "
                                        f"{', '.join(self.choices)}; got {value!r}.")
            return value
        if (self.min_len and not value.strip()) or not self.min_len <= len(value) <= self.max_len:
            raise _error("invalid_value", f"The field '{name}' must be {self.min_len} to {self.max_len} characters.")
        if self.pattern is not None and not self._compiled.fullmatch(value):
            raise _error(self.code, f"The {self.what or 'field ' + repr(name)} {value!r} must match {self.pattern}.")
        return value

    @cached_property
    def _compiled(self) -> re.Pattern:
        return re.compile(self.pattern)

    def json_schema(self) -> dict:
        if self.choices is not None:
            return {"type": "string", "enum": list(self.choices)}
        pattern = f"^(?:{self.pattern})$" if self.pattern else (_PRINTABLE if self.min_len else "^[^\\x00]*$")
        return {"type": "string", "minLength": self.min_len, "maxLength": self.max_len, "pattern": pattern}


@dataclass(frozen=True)
class Amount(Field):
    """A decimal amount: a string ("1.5") or a JSON integer (2, or 2.0); a JSON number with a fraction (1.5)
    is refused, so no amount ever passes through binary floating point.

    sign: "positive" (> 0), "non-negative" (>= 0) or "any".
    """

    sign: str = "positive"

    def check(self, value: object, name: str) -> Decimal:
        value = _whole(value)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise _error("wrong_type", f"The field '{name}' must be a decimal string such as \"1.5\" (or an integer).")
        if isinstance(value, str) and unstorable(value):
            raise _error("invalid_value", f"The field '{name}' contains a NUL character or a lone surrogate.")
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise _error("invalid_value", f"The field '{name}' is not a decimal number: {value!r}.") from None
        if not number.is_finite() or abs(number) >= MAX_DECIMAL or number.as_tuple().exponent < -8:
            raise _error("invalid_value", f"The field '{name}' must be finite, below 1e15, with at most 8 decimals.")
        if self.sign == "positive" and number <= 0:
            raise _error("invalid_value", f"The field '{name}' must be greater than zero; got {value}.")
        if self.sign == "non-negative" and number < 0:
            raise _error("invalid_value", f"The field '{name}' must not be negative; got {value}.")
        return number

    def json_schema(self) -> dict:
        low = {"positive": 1, "non-negative": 0}.get(self.sign, -(10 ** 15) + 1)
        return {"anyOf": [
            {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\x00]*$",
             "description": f"a decimal string, {self.sign}, below 1e15, at most 8 decimals"},
            {"type": "integer", "minimum": low, "maximum": 10 ** 15 - 1}]}


@dataclass(frozen=True)
class Integer(Field):
    """A JSON integer (2, or 2.0 as JSON Schema counts it; not a boolean) from minimum to maximum (out_of_range otherwise)."""

    minimum: int = 0
    maximum: int = 2 ** 31 - 1

    def check(self, value: object, name: str) -> int:
        value = _whole(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error("wrong_type", f"The field '{name}' must be an integer.")
        if not self.minimum <= value <= self.maximum:
            raise _error("out_of_range", f"The field '{name}' is {value}; it must be from {self.minimum} to {self.maximum}.")
        return value

    def json_schema(self) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Number(Field):
    """A finite JSON number, integer or not (not a boolean)."""

    def check(self, value: object, name: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value in (float("inf"), float("-inf")):
            raise _error("wrong_type", f"The field '{name}' must be a number.")
        return value

    def json_schema(self) -> dict:
        return {"type": "number"}


@dataclass(frozen=True)
class Digits(Field):
    """An integer written as decimal digits (a query parameter), from minimum to maximum."""

    minimum: int = 0
    maximum: int = 2 ** 31 - 1

    def check(self, value: object, name: str) -> int:
        if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 10 \
                or not self.minimum <= int(value) <= self.maximum:
            raise _error("invalid_value", f"{name} must be an integer from {self.minimum} to {self.maximum}.")
        return int(value)

    def json_schema(self) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Json(Field):
    """Any JSON object (stored as jsonb; NUL and lone surrogates are refused by the request parser)."""

    def check(self, value: object, name: str) -> dict:
        if not isinstance(value, dict):
            raise _error("wrong_type", f"The field '{name}' must be a JSON object.")
        return value

    def json_schema(self) -> dict:
        return {"type": "object"}


@dataclass(frozen=True)
class AnyValue(Field):
    """Any JSON value; a later, typed check decides (e.g. a configuration value and its declared type)."""

    def check(self, value: object, name: str) -> object:
        return value

    def json_schema(self) -> dict:
        return {"not": {"type": "null"}}


@dataclass(frozen=True)
class Map(Field):
    """A JSON object of keys (a Text) to values (a Field), with min_items..max_items entries."""

    keys: Text = field(default_factory=Text)
    values: Field = field(default_factory=Text)
    min_items: int = 0
    max_items: int = 64

    def check(self, value: object, name: str) -> dict:
        if not isinstance(value, dict):
            raise _error("wrong_type", f"The field '{name}' must be a JSON object.")
        if not self.min_items <= len(value) <= self.max_items:
            raise _error("invalid_value", f"The field '{name}' must hold {self.min_items} to {self.max_items} entries.")
        checked = {}
        for key, item in value.items():
            self.keys.check(key, f"{name} key {key[:64]!r}")
            if item is None:
                raise _error("wrong_type", f"The field '{name}.{key[:64]}' must not be null.")
            checked[key] = self.values.check(item, f"{name}.{key[:64]}")
        return checked

    def json_schema(self) -> dict:
        return {"type": "object", "minProperties": self.min_items, "maxProperties": self.max_items,
                "propertyNames": self.keys.json_schema(), "additionalProperties": self.values.schema()}


@dataclass(frozen=True)
class Body:
    """A JSON object body: its declared fields, nothing else (unknown_field)."""

    fields: dict[str, Field]
    required: bool = True  # False: an empty body is read as {}
    description: str = ""

    def parse(self, body: dict) -> dict:
        """{name: checked value or default} for every declared field, in declaration order."""
        unknown = sorted(set(body) - set(self.fields))
        if unknown:
            raise _error("unknown_field",
                         f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(self.fields)}.")
        return {name: spec.take(body, name) for name, spec in self.fields.items()}

    def schema(self) -> dict:
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {name: spec.schema() for name, spec in self.fields.items()}}
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            schema["required"] = required
        if self.description:
            schema["description"] = self.description
        return schema


def body(description: str = "", *, required: bool = True, **fields: Field) -> Body:
    """Body(...) with the fields as keyword arguments, in order."""
    return Body(dict(fields), required=required, description=description)
