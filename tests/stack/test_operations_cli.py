"""`harness start/stop/clean` keep the stack's data where its servers can reach it, and never outlive their owner."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from trading_harness.cli.daemon import WATCH_ENV
from trading_harness.polling import wait_until

from ..conftest import REPO, alive


def harness(state_dir, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "--state-dir", str(state_dir), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})})


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path / "state"
    harness(tmp_path / "state", "clean")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_data_of_an_unreachable_state_dir_lives_in_var_tmp_until_clean(state_dir):
    """pytest's tmp_path is 0700, so the unprivileged PostgreSQL cannot reach <state>/data: it is a link."""
    only_postgres = {"HARNESS_SERVICES": "postgres"}
    started = harness(state_dir, "start", env=only_postgres)
    assert started.returncode == 0, started.stdout + started.stderr
    link = state_dir / "data"
    assert link.is_symlink() and str(link.resolve()).startswith("/var/tmp/trading-harness-data-")
    target = link.resolve()
    assert (target / "postgres" / "data" / "PG_VERSION").is_file()

    assert harness(state_dir, "stop").returncode == 0
    assert (target / "postgres" / "data" / "PG_VERSION").is_file(), "stop must keep the data"
    restarted = harness(state_dir, "start", env=only_postgres)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert link.resolve() == target, "a second start must reuse the data"

    cleaned = harness(state_dir, "clean")
    assert cleaned.returncode == 0 and str(target) in cleaned.stdout
    assert not target.exists() and not link.is_symlink()


def test_the_daemon_stops_when_the_process_it_watches_dies(state_dir):
    owner = subprocess.Popen(["sleep", "600"])
    try:
        started = harness(state_dir, "start", env={"HARNESS_SERVICES": "redis", WATCH_ENV: str(owner.pid)})
        assert started.returncode == 0, started.stdout + started.stderr
        daemon = int((state_dir / "daemon.pid").read_text())
        assert alive(daemon)
    finally:
        owner.kill()
        owner.wait(timeout=10)
    wait_until(lambda: not alive(daemon), 30, message="the daemon to stop after its owner died")
    assert not (state_dir / "target.toml").exists()
