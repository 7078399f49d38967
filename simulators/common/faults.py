"""The deliberate faults of one simulator: set at start (SIMULATOR_FAULTS), and switched on a running one.

A fault checked on every request (or every cycle) is switchable: the control API turns it on or off while
the service runs (GET/PUT /audit/v1/faults), so a test can break a running stack and mend it again. A
fault that acts only while the service starts (a metrics label, the gRPC server, channel pooling, routes,
the objects built at start) is start-only: it is set by SIMULATOR_FAULTS and cannot change afterwards.

    GET /audit/v1/faults  -> {"active", "switchable", "start_only"}
    PUT /audit/v1/faults  {"faults": {"<switchable fault>": true|false, ...}} -> the same, after the switch

A PUT naming an unknown or a start-only fault is refused (422) and changes nothing.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .contract import Boolean, Map, Text, body
from .http import Request, Response, Router
from .openapi import shape
from .responses import ApiError

log = logging.getLogger("faults")
STATE = shape(active="array", switchable="array", start_only="array")


class Faults:
    """The set of faults on, one object the domain code reads with `name in faults` on every check."""

    def __init__(self, known: Iterable[str], active: Iterable[str] = (), switchable: Iterable[str] = ()) -> None:
        self.known = tuple(dict.fromkeys(known))
        self.switchable = frozenset(switchable) & set(self.known)
        self._active = frozenset(active)
        self._lock = threading.Lock()

    def __contains__(self, name: object) -> bool:
        return name in self._active  # one reference read: a check sees the set before or after a switch

    def __iter__(self) -> Iterator[str]:
        return iter(self._active)

    def __len__(self) -> int:
        return len(self._active)

    def __repr__(self) -> str:
        return f"Faults({sorted(self._active)})"

    @property
    def active(self) -> frozenset[str]:
        return self._active

    @property
    def start_only(self) -> tuple[str, ...]:
        return tuple(name for name in self.known if name not in self.switchable)

    def refusal(self, name: str) -> str | None:
        """Why `name` cannot be switched at run time, None when it can."""
        if name not in self.known:
            return f"Unknown fault {name!r}; this service knows: {', '.join(self.known)}."
        if name not in self.switchable:
            return (f"The fault {name!r} acts only when the service starts: set SIMULATOR_FAULTS={name} "
                    "in the stack definition and start the service again.")
        return None

    def switch(self, changes: Mapping[str, bool]) -> frozenset[str]:
        """Turn switchable faults on (True) or off (False), all or none (ValueError names the first refused)."""
        for name in changes:
            reason = self.refusal(name)
            if reason:
                raise ValueError(reason)
        with self._lock:
            on = {name for name, wanted in changes.items() if wanted}
            off = {name for name, wanted in changes.items() if not wanted}
            self._active = (self._active - off) | on
            active = self._active
        log.warning("faults switched", extra={"faults": ",".join(sorted(active)) or "none"})
        return active

    def describe(self) -> dict:
        return {"active": sorted(self._active), "switchable": sorted(self.switchable),
                "start_only": list(self.start_only)}

    def flag(self, name: str) -> Flag:
        """A truth value that follows one fault, for code that keeps a flag (`if self.give_up:`)."""
        return Flag(self, name)

    def named(self, template: str) -> Named:
        """A container of the x whose fault template.format(x) is on (`"postgres" in ignore`)."""
        return Named(self, template)


@dataclass(frozen=True)
class Flag:
    faults: Faults
    name: str

    def __bool__(self) -> bool:
        return self.name in self.faults


@dataclass(frozen=True)
class Named:
    faults: Faults
    template: str

    def __contains__(self, item: object) -> bool:
        return self.template.format(item) in self.faults


@dataclass(frozen=True)
class _Switches(Map):
    """{fault: on} over the switchable faults; an unknown or start-only fault is refused naming why."""

    faults: Faults | None = None

    def check(self, value: object, name: str) -> dict:
        if isinstance(value, dict) and self.faults is not None:
            for key in value:
                reason = self.faults.refusal(key) if isinstance(key, str) else None
                if reason:
                    code = "unknown_fault" if key not in self.faults.known else "start_only_fault"
                    raise ApiError(422, code, reason)
        return super().check(value, name)


def add_fault_routes(router: Router, faults: Faults) -> None:
    """GET and PUT /audit/v1/faults on a service's control API."""
    names = tuple(sorted(faults.switchable)) or ("none",)  # an enum is never empty; "none" is refused as unknown
    switch_body = body(
        "The switchable faults to turn on (true) or off (false); the others keep their state. "
        "An unknown or start-only fault is refused (422) and nothing changes.",
        faults=_Switches(keys=Text(max_len=64, choices=names), values=Boolean(), min_items=1,
                         max_items=max(1, len(faults.switchable)), faults=faults,
                         description="fault name -> on"))

    @router.route("GET", "/audit/v1/faults", returns=STATE)
    def state(_: Request) -> Response:
        return Response(200, faults.describe())

    @router.route("PUT", "/audit/v1/faults", body=switch_body, returns=STATE)
    def switch(request: Request) -> Response:
        faults.switch(request.data["faults"])  # the body's check refused every fault it cannot switch
        return Response(200, faults.describe())
