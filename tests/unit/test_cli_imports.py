"""`harness` loads the Redis and PostgreSQL clients only for a command that talks to them: 0.15 s of every
other command's start (status, logs, stop, start, validate, scenario, report)."""
from __future__ import annotations

import subprocess
import sys

from ..conftest import REPO

CLIENTS = ("redis", "psycopg")


def test_the_cli_loads_no_database_client_until_a_command_needs_one():
    code = f"import sys, trading_harness.cli.main; print([m for m in {CLIENTS!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"imported by trading_harness.cli.main at start: {done.stdout.strip()}"
