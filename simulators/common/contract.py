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
from decimal import Decimal
from functools import cached_property

from .responses import ApiError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# White space spelt out (Python's str.isspace, and U+FEFF): \s differs between Python and the ECMA regular
# expressions of JSON Schema, so a blank value is one of these characters only, on both sides.
_SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_NOT_BLANK = re.compile(f"[^{_SPACE}]")
# "Not blank and no NUL", as a JSON Schema pattern (a lone surrogate is not valid JSON text anyway). Leading
# blanks, then the first other character: one way to match, unlike [^\x00]*[^\x00 ][^\x00]*, so the fuzz
# generates from it fast (the test coordinator's fuzz: 23 s -> 9 s).
_PRINTABLE = f"^[{_SPACE}]*[^\\x00{_SPACE}][^\\x00]*$"


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
        if (self.min_len and not _NOT_BLANK.search(value)) or not self.min_len <= len(value) <= self.max_len:
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


_FRACTION = r"(?:\.[0-9]{1,8})?"
# The decimal strings an Amount takes, by sign: no exponent, no sign "+", no leading zero, below 1e15,
# at most 8 decimals. The same expressions check a request and are published as the field's pattern.
DECIMAL_FORMS = {
    "any": rf"-?(?:0|[1-9][0-9]{{0,14}}){_FRACTION}",
    "non-negative": rf"(?:0|[1-9][0-9]{{0,14}}){_FRACTION}",
    "positive": rf"[1-9][0-9]{{0,14}}{_FRACTION}|0\.(?:"
                + "|".join(f"0{{{k}}}[1-9][0-9]{{0,{7 - k}}}" for k in range(8)) + ")",
}
INTEGER_BOUNDS = {"any": (-(10 ** 15) + 1, 10 ** 15 - 1), "non-negative": (0, 10 ** 15 - 1), "positive": (1, 10 ** 15 - 1)}


@dataclass(frozen=True)
class Amount(Field):
    """A decimal amount: a string ("1.5") or a JSON integer (2, or 2.0); a JSON number with a fraction (1.5)
    is refused, so no amount ever passes through binary floating point.

    sign: "positive" (> 0), "non-negative" (>= 0) or "any": the default form (DECIMAL_FORMS) and integer
    bounds. A narrower range gives its own form (a full-match regular expression of the strings it takes)
    and integer bounds (minimum, maximum); the request is checked against exactly what is published.
    """

    sign: str = "positive"
    form: str | None = None
    minimum: int | None = None
    maximum: int | None = None

    @cached_property
    def _compiled(self) -> re.Pattern:
        return re.compile(f"(?:{self.form or DECIMAL_FORMS[self.sign]})", re.ASCII)

    @property
    def _bounds(self) -> tuple[int, int]:
        low, high = INTEGER_BOUNDS[self.sign]
        return (low if self.minimum is None else self.minimum, high if self.maximum is None else self.maximum)

    def check(self, value: object, name: str) -> Decimal:
        value = _whole(value)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise _error("wrong_type", f"The field '{name}' must be a decimal string such as \"1.5\" (or an integer).")
        if isinstance(value, int):
            low, high = self._bounds
            if not low <= value <= high:
                raise _error("invalid_value", f"The field '{name}' must be an integer from {low} to {high}; got {value}.")
            return Decimal(value)
        if len(value) > 64 or not self._compiled.fullmatch(value):
            raise _error("invalid_value", f"The field '{name}' must be a decimal string such as \"1.5\" ({self.sign}"
                                          f"{', ' + self.description if self.description else ''}; no exponent, '+' or "
                                          f"leading zero; below 1e15, at most 8 decimals); got {value[:64]!r}.")
        return Decimal(value)

    def json_schema(self) -> dict:
        low, high = self._bounds
        return {"anyOf": [
            {"type": "string", "pattern": f"^(?:{self.form or DECIMAL_FORMS[self.sign]})$",
             "description": f"a decimal string, {self.sign}, below 1e15, at most 8 decimals"},
            {"type": "integer", "minimum": low, "maximum": high}]}


@dataclass(frozen=True)
class Boolean(Field):
    """true or false."""

    def check(self, value: object, name: str) -> bool:
        if not isinstance(value, bool):
            raise _error("wrong_type", f"The field '{name}' must be true or false.")
        return value

    def json_schema(self) -> dict:
        return {"type": "boolean"}


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
    min_fields: int = 0  # at least this many of the fields; then none may be null
    one_of: tuple[dict, ...] = ()  # JSON Schemas of which the body matches exactly one (checked by the handler)

    def parse(self, body: dict) -> dict:
        """{name: checked value or default} for every declared field, in declaration order."""
        unknown = sorted(set(body) - set(self.fields))
        if unknown:
            raise _error("unknown_field",
                         f"Unknown field(s) {', '.join(unknown)}; allowed: {', '.join(self.fields)}.")
        if self.min_fields and (len(body) < self.min_fields or None in body.values()):
            raise _error("missing_field", f"Give at least {self.min_fields} of {', '.join(self.fields)}, none null.")
        return {name: spec.take(body, name) for name, spec in self.fields.items()}

    def schema(self) -> dict:
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {name: spec.schema() for name, spec in self.fields.items()}}
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            schema["required"] = required
        if self.min_fields:  # that many properties, none of them null
            schema["minProperties"] = self.min_fields
            schema["properties"] = {name: _not_null(field) for name, field in schema["properties"].items()}
        if self.one_of:
            schema["oneOf"] = list(self.one_of)
        if self.description:
            schema["description"] = self.description
        return schema


def _not_null(schema: dict) -> dict:
    """An optional field's schema without its null alternative."""
    kept = [part for part in schema.get("anyOf", ()) if part != {"type": "null"}]
    if len(kept) == 1 and "anyOf" in schema:
        return {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept[0]}
    return schema


def body(description: str = "", *, required: bool = True, min_fields: int = 0, one_of: tuple[dict, ...] = (),
         **fields: Field) -> Body:
    """Body(...) with the fields as keyword arguments, in order."""
    return Body(dict(fields), required=required, description=description, min_fields=min_fields, one_of=one_of)


def exactly_one(*names: str) -> tuple[dict, ...]:
    """Body.one_of for "exactly one of these fields is given (not null)"."""
    return tuple({"required": [name], "properties": {other: {"type": "null"} if other != name else {"not": {"type": "null"}}
                                                     for other in names}} for name in names)
