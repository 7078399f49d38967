"""A tiny project laid out like this one (features/ with a catalogue, the harness's plugins), for gate tests."""
from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

from .conftest import FORK_SERVER, LEAN, REPO

CATALOGUE = textwrap.dedent("""
    seeds: ../seeds
    milestones:
      exchange/TSE-0001.1a:
        title: Bootstrapping (exchange)
        acceptance: The exchange answers health checks.
        source: {document: exchange.md, section: Bootstrapping}
        criteria:
          - {id: exchange.1a.rest-health, text: REST health answers.}
          - {id: exchange.1a.grpc-health, text: gRPC health answers., severity: critical}
      custodian/TSE-0001.1a:
        title: Bootstrapping (custodian)
        acceptance: The custodian answers health checks.
        source: {document: custodian.md, section: Bootstrapping}
        criteria:
          - {id: custodian.1a.rest-health, text: REST health answers.}
""")
FEATURE = textwrap.dedent("""
    @TSE-0001.1a
    Feature: Services answer health checks

      @criterion:exchange.1a.grpc-health @exchange
      Scenario: The exchange answers gRPC health
        Given a service
        Then it answers

      Scenario Outline: <venue> answers REST health
        Given a service
        Then it answers

        @exchange @criterion:exchange.1a.rest-health @severity:blocker
        Examples:
          | venue    |
          | exchange |

        @custodian @criterion:custodian.1a.rest-health
        Examples:
          | venue     |
          | custodian |

      @custodian
      Scenario: An orphan that names no criterion
        Given a service
        Then it answers

      @criterion:exchange.1a.no-such-criterion
      Scenario: An orphan that names an unknown criterion
        Given a service
        Then it answers
""")
CONFTEST = textwrap.dedent('''
    import json, os, threading
    from pathlib import Path

    from pytest_bdd import given, then

    pytest_plugins = ["fixtures.collection", "fixtures.plugin", "fixtures.reporting"]


    @given("a service")
    def service():
        return "up"


    @then("it answers")
    def answers():
        assert True


    @then("it fails")
    def fails():
        raise AssertionError("this scenario fails on purpose")


    @given("the stack is up")
    def stack_up(stack):
        written = Path(os.environ["STACK_FILE"] + ".tmp")  # whole or absent: the test reads it once it exists
        written.write_text(json.dumps({"workdir": str(stack.workdir), "pids": stack.pids()}))
        written.replace(os.environ["STACK_FILE"])


    @then("it waits to be stopped")
    def holds():
        threading.Event().wait(120)
''')


def project(root: Path, feature: str = FEATURE, conftest_extra: str = "") -> Path:
    """features/health/health.feature, the catalogue, the steps; no test module names a folder."""
    (root / "features" / "health").mkdir(parents=True)
    (root / "features" / "milestones.yml").write_text(CATALOGUE)
    (root / "features" / "health" / "health.feature").write_text(feature)
    (root / "conftest.py").write_text(CONFTEST + textwrap.dedent(conftest_extra))
    (root / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\nbdd_features_base_dir = features\n")
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """`pytest features/ <args>` in the project, strict gate; (process, stdout + stderr)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARNESS_GATE_ALLOW_INCOMPLETE": "0", **(env or {})}
    proc = FORK_SERVER.run([sys.executable, "-m", "pytest", "features/", *LEAN, *args], cwd=root, env=env,
                           timeout=timeout)
    return proc, proc.stdout + proc.stderr
