"""A failing scenario that handles credentials leaves none in the terminal or the reports."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from trading_harness.definition import StackDefinition

from ..conftest import LEAN, REPO, STACK

FEATURE = textwrap.dedent('''
    Feature: Leaky
      Scenario: A failure that quotes a connection URL
        Given a step that logs and prints credentials
        Then it fails quoting them
''')
TEST = textwrap.dedent('''
    import logging
    from pytest_bdd import given, then, scenarios

    scenarios("leaky.feature")

    @given("a step that logs and prints credentials")
    def leak(stack, evidence):
        url = stack.redis_url("admin")
        logging.getLogger("leaky").warning("connecting to %s", url)
        print("dsn", stack.postgres_dsn("exchange_adapter"))
        evidence.record("redis", f"AUTH admin {stack.definition.redis_password('admin')}", "OK")

    @then("it fails quoting them")
    def fail(stack):
        assert False, f"could not use {stack.redis_url('exchange-adapter')} or {stack.postgres_dsn()}"
''')


def test_failure_output_and_reports_are_masked(tmp_path):
    (tmp_path / "leaky.feature").write_text(FEATURE)
    (tmp_path / "test_leaky.py").write_text(TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    cucumber, allure, junit = tmp_path / "cucumber.json", tmp_path / "allure", tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "fixtures.plugin", *LEAN, "-c", str(tmp_path / "pytest.ini"),
         str(tmp_path / "test_leaky.py"), "-rA", "--log-level=INFO",
         f"--cucumberjson={cucumber}", f"--alluredir={allure}", f"--junitxml={junit}"],
        cwd=REPO, capture_output=True, text=True, timeout=180)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "could not use redis://exchange-adapter:***@" in output, "the failure is still readable"
    d = StackDefinition.load(STACK)
    secrets = ["admin-secure-pass", d.redis_password("exchange-adapter"), d.postgres.password,
               d.postgres_password("exchange_adapter")]
    files = [cucumber, junit, *allure.iterdir()]
    assert any("requests and replies" in f.read_text(errors="replace") for f in allure.iterdir()), \
        "the failing scenario carries its evidence"
    for secret in secrets:
        assert secret not in output, f"{secret!r} in terminal output"
        for path in files:
            assert secret not in path.read_text(errors="replace"), f"{secret!r} in {path.name}"
