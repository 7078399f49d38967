"""Who application services and one-shot steps run as (servers/application.py): the unprivileged server user
when it can read what they run from, else the harness's own user with one line saying why; never a crash."""
from __future__ import annotations

import os
import pwd

import pytest

from trading_harness.servers import application
from trading_harness.servers.identity import ServerIdentity


@pytest.fixture
def stranger() -> ServerIdentity:
    """A user that is not us (the server user's ids), owning nothing of tmp_path."""
    try:
        entry = pwd.getpwnam(os.environ.get("HARNESS_SERVER_USER", "postgres"))
    except KeyError:
        pytest.skip("no server user on this machine (useradd --system --user-group postgres)")
    if entry.pw_uid == os.geteuid():
        pytest.skip("we are the server user")
    return ServerIdentity(entry.pw_name, entry.pw_uid, entry.pw_gid)


@pytest.fixture
def checkout(tmp_path):
    """A readable checkout below a parent only its owner may enter (a CI clone under a 0700 directory)."""
    closed = tmp_path / "closed"
    inner = closed / "work" / "main"
    inner.mkdir(parents=True)
    closed.chmod(0o700)
    tmp_path.chmod(0o755)
    yield closed, inner
    closed.chmod(0o755)


def test_a_closed_parent_is_named_without_the_sandbox(stranger, checkout):
    closed, inner = checkout
    why = application.unreadable([inner], stranger, sandboxed=False)
    assert why and str(closed) in why and "not traversable" in why, why


def test_in_the_sandbox_only_the_bound_directory_itself_counts(stranger, checkout):
    _, inner = checkout
    assert application.unreadable([inner], stranger, sandboxed=True) is None
    inner.chmod(0o700)
    why = application.unreadable([inner], stranger, sandboxed=True)
    assert why and str(inner) in why and "drwx------" in why, why


def test_an_unreadable_checkout_falls_back_to_our_own_user_with_one_line(stranger, checkout, monkeypatch, capsys):
    _, inner = checkout
    monkeypatch.setattr(application, "runtime_paths", lambda: [inner])
    application._decide.cache_clear()
    try:
        identity, line = application._decide(stranger, False)
    finally:
        application._decide.cache_clear()
    assert identity == ServerIdentity(None, os.geteuid(), os.getegid())
    assert line and "\n" not in line and line.startswith("application services and one-shot steps: run as "), line
    assert "not traversable" in line, line


def test_a_readable_checkout_keeps_the_unprivileged_user(stranger, tmp_path, monkeypatch):
    tmp_path.chmod(0o755)
    monkeypatch.setattr(application, "runtime_paths", lambda: [tmp_path])
    application._decide.cache_clear()
    try:
        assert application._decide(stranger, True) == (stranger, None)
    finally:
        application._decide.cache_clear()


def test_directories_are_made_only_inside_the_run_directory(tmp_path):
    me = ServerIdentity(None, os.geteuid(), os.getegid())
    made = application.writable_dir(tmp_path / "volumes" / "x" / "data", me, tmp_path)
    assert made == tmp_path / "volumes" / "x" / "data" and made.is_dir()
    assert application.writable_dir(tmp_path.parent / "elsewhere-never-made", me, tmp_path) is None
    assert application.writable_dir(tmp_path / ".." / "escaped-never-made", me, tmp_path) is None
    assert application.writable_dir(tmp_path, me, tmp_path) is None  # the run's directory itself: not a mount
    assert not (tmp_path.parent / "elsewhere-never-made").exists() and not (tmp_path.parent / "escaped-never-made").exists()
