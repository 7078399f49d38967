"""Tiers of the harness's own tests: the folder a test file sits in gives its markers.

tests/unit/      unit                 no server, no stack: the fast tier (`pytest tests/ -m "not slow"`)
tests/stack/     stack, slow          starts servers or stacks (embedded)
tests/can_fail/  can_fail, slow       broken variants: every scenario fails against its broken stack
tests/compose/   compose, slow        needs the Docker engine

A test file anywhere else (a new file at tests/ top level) counts as slow, and collection lists it.
Under `--dist loadgroup` a slow module whose tests share a module-scoped fixture of its own (a stack, a
suite run, an installed hook) runs on one worker, so that the fixture is made once (module_group below).
A fast-tier test that starts a server fails: the guard below refuses it, in this process and in the
subprocesses it runs (HARNESS_FAST_TIER, honoured where the harness starts its servers).
"""
from __future__ import annotations

import os
import socket
import subprocess
import warnings
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
TIERS = {"unit": ("unit",), "stack": ("stack", "slow"), "can_fail": ("can_fail", "slow"), "compose": ("compose", "slow")}
UNPLACED = ("slow",)
SERVERS = {"redis-server", "postgres", "pg_ctl", "initdb", "docker", "dockerd"}
FAST_TIER_ENV = "HARNESS_FAST_TIER"


def tier_of(path: Path) -> str | None:
    """The tier folder a test file sits in, or None when it sits outside every tier folder."""
    try:
        parts = Path(path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else None


def apply_tier_markers(items: list[pytest.Item]) -> list[Path]:
    """Mark each item after its folder; return the test files that sit in no tier folder."""
    unplaced: set[Path] = set()
    for item in items:
        path = Path(str(item.path))
        if TESTS not in path.resolve().parents:
            continue
        tier = tier_of(path)
        if tier is None:
            unplaced.add(path)
        for name in TIERS[tier] if tier else UNPLACED:
            item.add_marker(name)
        if tier == "compose":  # one compose stack at a time: under `-n 2 --dist loadgroup` they share a worker
            item.add_marker(pytest.mark.xdist_group("compose"))
        elif tier != "unit" and (group := module_group(item)):
            item.add_marker(pytest.mark.xdist_group(group))
    return sorted(unplaced)


def module_group(item: pytest.Item) -> str | None:
    """The xdist group of a test that uses a module-scoped fixture of its own module and has no group yet: the
    module's name. Spread over workers, such a fixture is made once per worker (each a stack start, or more)."""
    info = getattr(item, "_fixtureinfo", None)  # a test function's; other items have none
    if info is None or item.get_closest_marker("xdist_group"):
        return None  # xdist joins several groups' names into one: an explicit group stays as it is
    module = item.nodeid.split("::")[0]
    for name in item.fixturenames:
        if any(d.scope == "module" and d.baseid == module for d in info.name2fixturedefs.get(name, ())):
            return Path(module).stem
    return None


def warn_unplaced(unplaced: list[Path]) -> None:
    if unplaced:
        names = ", ".join(str(p.relative_to(TESTS.parent)) for p in unplaced)
        warnings.warn(pytest.PytestWarning(
            f"test files outside the tier folders (counted as slow; move each into tests/unit, tests/stack, "
            f"tests/can_fail or tests/compose): {names}"), stacklevel=1)


def _refuse(what: str) -> None:
    pytest.fail(f"the fast tier starts no server, and this test started {what}: move it to tests/stack/ "
                f"(or tests/compose/), or keep its server out of the unit test", pytrace=False)


def guard_fast_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse, for one fast-tier test, every server start: a listening socket, a server binary, a harness stack."""
    popen_init = subprocess.Popen.__init__

    def guarded_popen(self, args, *rest, **kwargs):
        argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
        program = Path(os.fsdecode(argv[0])).name if argv else ""
        if program in SERVERS:
            _refuse(f"{program} ({' '.join(map(os.fsdecode, argv))[:200]})")
        return popen_init(self, args, *rest, **kwargs)

    def guarded_listen(sock, *args):
        _refuse(f"a server listening on {sock.getsockname()}")

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded_popen)
    monkeypatch.setattr(socket.socket, "listen", guarded_listen)
    monkeypatch.setenv(FAST_TIER_ENV, "1")
