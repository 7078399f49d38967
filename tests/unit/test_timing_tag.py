"""@timing: a scenario with a wall-clock bound gets pytest-rerunfailures retries, so a machine's stall is a
flaky pass (reported as such) rather than a failure; a scenario without the tag gets none."""
from __future__ import annotations

import textwrap

from ..miniproject import project, run

FEATURE = textwrap.dedent("""
    Feature: Timing

      @criterion:exchange.1a.grpc-health @exchange @timing
      Scenario: A bound the machine missed once
        Given a service
        Then it answers on the second try

      @criterion:exchange.1a.rest-health @exchange
      Scenario: A bound without the tag
        Given a service
        Then it answers on the second try
""")
STEPS = '''
    from pytest_bdd import then


    @then("it answers on the second try")
    def second_try(request):
        marker = Path(os.environ["ATTEMPTS_DIR"]) / request.node.name
        tries = int(marker.read_text()) + 1 if marker.exists() else 1
        marker.write_text(str(tries))
        assert tries > 1, "the first attempt fails on purpose"
'''


def test_a_timing_scenario_is_retried_and_reported_flaky_an_untagged_one_is_not(tmp_path):
    root = project(tmp_path / "project", feature=FEATURE, conftest_extra=STEPS)
    (tmp_path / "attempts").mkdir()
    proc, output = run(root, "--gate-allow-incomplete", "-rA", env={"ATTEMPTS_DIR": str(tmp_path / "attempts")})
    assert proc.returncode == 1, output[-3000:]
    assert "1 failed, 1 passed, 1 rerun" in output, output[-3000:]
    assert "FAILED features/health/health.feature::test_a_bound_without_the_tag" in output, output[-3000:]
