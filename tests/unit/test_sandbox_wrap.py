"""sandbox.wrap: what a sandboxed command may see, built from absolute paths only."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from trading_harness.servers import sandbox
from trading_harness.servers.identity import ServerIdentity


@pytest.fixture
def bwrap_here(monkeypatch):
    """wrap() as on a machine where bubblewrap runs (the argv is built, not run)."""
    monkeypatch.setattr(sandbox, "probe", lambda: sandbox.Isolation("/usr/bin/bwrap", True))


def binds(argv: list[str]) -> list[tuple[str, str]]:
    """(source, destination) of every --bind and --ro-bind."""
    return [(argv[i + 1], argv[i + 2]) for i, arg in enumerate(argv) if arg in ("--bind", "--ro-bind")]


def test_a_program_named_without_a_path_is_found_on_path_and_resolved():
    found = sandbox.program_path("sh")
    assert found is not None and found.is_absolute() and found == found.resolve()
    assert sandbox.program_path("no-such-program-anywhere") is None
    assert sandbox.program_path("/opt/redis/bin/redis-server") == Path("/opt/redis/bin/redis-server")


def test_a_bare_program_name_adds_no_relative_mount(bwrap_here, tmp_path):
    """`nice -n 10 postgres …` once bound "." over the sandbox and the server could not reach its directory."""
    argv, sandboxed = sandbox.wrap(["nice", "-n", "10", "/usr/bin/true"], ServerIdentity(None, os.getuid(), os.getgid()),
                                   writable=[tmp_path], network=True)
    assert sandboxed
    assert binds(argv), argv
    for source, destination in binds(argv):
        assert Path(source).is_absolute() and Path(destination).is_absolute(), argv
    assert argv[argv.index("--chdir") + 1] == str(tmp_path)


def test_a_program_outside_the_system_directories_is_bound_read_only(bwrap_here, tmp_path):
    program = tmp_path / "bin" / "redis-server"
    program.parent.mkdir()
    program.write_text("")
    argv, _ = sandbox.wrap([str(program)], ServerIdentity(None, os.getuid(), os.getgid()), writable=[tmp_path / "data"], network=True)
    assert ("--ro-bind" in argv) and (str(program.parent), str(program.parent)) in binds(argv)
