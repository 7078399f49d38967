"""A service imports its libraries with the garbage collector off and without the optional parts it never uses,
and its entry turns the collector on again: only a `python -m simulators.<name>` start does the first
(simulators/__init__.py), every entry does the second."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ..conftest import REPO

ENTRIES = {
    "a simulator's run_service": "from simulators.exchange.app import ExchangeDomain\n"
                                 "from simulators.common.service import run_service\n"
                                 "status = run_service(ExchangeDomain)",
    "the registry's main": "from simulators.registry.__main__ import main\nstatus = main()",
}


def _python(code: str, env: dict[str, str] | None = None) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


def test_only_a_module_run_imports_with_the_collector_off():
    assert _python("""
        import gc, sys
        sys.argv = ["-m"]  # as Python has it while it imports the packages of `python -m simulators.x`
        import simulators
        print(gc.isenabled())
    """) == ["False"]
    assert _python("import gc, simulators; print(gc.isenabled())") == ["True"], "a plain import turned it off"


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_the_entry_turns_the_collector_on_again(entry):
    # No POSTGRES_URL / REDIS_URL: the entry stops at its configuration, after turning the collector on.
    assert _python(f"""
        import gc, sys
        sys.argv = ["-m"]
        import simulators
        {ENTRIES[entry].replace(chr(10), chr(10) + ' ' * 8)}
        print(gc.isenabled(), status)
    """, env={"PATH": "/usr/bin:/bin", "HTTP_PORT": "not-a-port"}) == ["True", "2"]


def test_only_a_module_run_skips_the_unused_imports():
    # a `-m` start: both libraries import, without the parts no service uses
    assert _python("""
        import sys
        sys.argv = ["-m"]
        import simulators, httpx, redis
        print(sorted(m for m in simulators.UNUSED_IMPORTS if sys.modules.get(m) is not None) or "skipped",
              callable(httpx.main), redis.Redis is not None)
    """) == ["skipped", "True", "True"]
    assert _python("""
        import sys, simulators, httpx, redis.observability.providers
        print(all(sys.modules.get(m) is not None for m in simulators.UNUSED_IMPORTS))
    """) == ["True"], "a plain import skipped them"
