"""Read a simulator's settings from environment variables, failing with one clear line.

Every reader raises ConfigError naming the variable and the form it expects, so the
entry point can print that single line and exit 2.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

_DURATION = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_NAME_LIST_ITEM = re.compile(r"^[a-z0-9][a-z0-9-]*$")

DURATION_FORM = 'a duration such as "90s", "1.5s", "500ms", "2m", "1h" or a number of seconds'


class ConfigError(ValueError):
    """One environment variable is missing or malformed."""

    def __init__(self, variable: str, expected: str, got: str | None = None):
        detail = "it is not set" if got is None else f"got {got!r}"
        super().__init__(f"{variable}: expected {expected}; {detail}")
        self.variable = variable


def parse_duration(text: str, *, require_unit: bool = False) -> float:
    """Seconds in a duration such as "90s", "1.5s", "500ms", "2m", "1h" (or "30" = 30 s).

    Raises ValueError for anything else, including negative or non-finite values.
    """
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or (require_unit and match["unit"] is None):
        raise ValueError(f"not a duration: {text!r}")
    seconds = float(match["number"]) * _UNIT_SECONDS[match["unit"]]
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite duration: {text!r}")
    return seconds


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, safe to log."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))
    except ValueError:
        return "<unparseable url>"


class Env:
    """Typed access to a mapping of environment variables."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ

    def _raw(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def string(self, name: str, default: str | None = None, *, expected: str = "a non-empty string") -> str:
        value = self._raw(name)
        if value is None:
            if default is None:
                raise ConfigError(name, expected)
            return default
        return value

    def integer(self, name: str, default: int | None = None, *, minimum: int, maximum: int) -> int:
        expected = f"an integer from {minimum} to {maximum}"
        value = self._raw(name)
        if value is None:
            if default is None:
                raise ConfigError(name, expected)
            return default
        try:
            number = int(value, 10)
        except ValueError:
            raise ConfigError(name, expected, value) from None
        if not minimum <= number <= maximum:
            raise ConfigError(name, expected, value)
        return number

    def duration(self, name: str, default: str, *, allow_zero: bool = True) -> float:
        value = self._raw(name) or default
        expected = DURATION_FORM + ("" if allow_zero else ", greater than zero")
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise ConfigError(name, expected, value) from None
        if seconds == 0 and not allow_zero:
            raise ConfigError(name, expected, value)
        return seconds

    def choice(self, name: str, default: str, choices: tuple[str, ...], *, fold_case: bool = True) -> str:
        value = self._raw(name) or default
        key = value.lower() if fold_case else value
        if key not in choices:
            raise ConfigError(name, "one of " + ", ".join(choices), value)
        return key

    def name_list(self, name: str, default: str) -> tuple[str, ...]:
        """A comma-separated list of lowercase names ([a-z0-9-]), at least one, no duplicates."""
        value = self._raw(name) or default
        items = [item.strip() for item in value.split(",")]
        expected = "a comma-separated list of names made of a-z, 0-9 and '-', such as development,testing,production"
        if not items or any(not _NAME_LIST_ITEM.match(item) for item in items) or len(set(items)) != len(items):
            raise ConfigError(name, expected, value)
        return tuple(items)

    def flags(self, name: str, known: tuple[str, ...]) -> frozenset[str]:
        """A comma-separated subset of `known`; empty when unset."""
        value = self._raw(name) or ""
        items = {item.strip() for item in value.split(",") if item.strip()}
        if items - set(known):
            raise ConfigError(name, "a comma-separated subset of " + ", ".join(known), value)
        return frozenset(items)

    def url(self, name: str, schemes: tuple[str, ...]) -> str:
        """A required URL with one of the schemes and a host; the error never shows the password."""
        expected = f"a URL like {schemes[0]}://user:password@host:port/0"
        value = self._raw(name)
        if value is None:
            raise ConfigError(name, expected)
        try:
            parts = urlsplit(value)
            valid = parts.scheme in schemes and bool(parts.hostname)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(name, expected, redact_url(value))
        return value
