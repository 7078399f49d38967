"""One run, one reports folder: a second run never writes into a folder a live run holds, and a new run
starts from a folder without the previous run's results."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from trading_harness.polling import wait_until
from trading_harness.reporting.folder import LOCK_FILE, FolderInUse, claim

from ..conftest import LEAN, REPO
from ..miniproject import project, run


def test_a_free_folder_is_claimed_and_the_previous_runs_outputs_removed(tmp_path):
    reports = tmp_path / "reports"
    (reports / "living-docs").mkdir(parents=True)
    for name in ("gate.json", "junit.xml", "keep.txt"):
        (reports / name).write_text("old")
    first = claim(reports, explicit=False, outputs=("junit.xml",))
    try:
        assert first.path == reports and first.notice() is None
        assert sorted(p.name for p in reports.iterdir()) == [LOCK_FILE, "keep.txt"]
        assert (reports / LOCK_FILE).read_text() == str(os.getpid())
    finally:
        first.release()


def test_a_held_default_folder_gives_the_next_run_its_own_and_an_explicit_one_stops_it(tmp_path):
    reports = tmp_path / "reports"
    first = claim(reports, explicit=False)
    (reports / "gate.json").write_text("the first run's")
    try:
        second = claim(reports, explicit=False)
        try:
            assert second.path == tmp_path / "reports-2"
            assert second.notice() == (f"reports: {reports} is in use by another run (pid {os.getpid()}); "
                                       f"this run writes its reports to {tmp_path / 'reports-2'}")
            assert (reports / "gate.json").read_text() == "the first run's", "the held folder was touched"
        finally:
            second.release()
        with pytest.raises(FolderInUse, match=r"in use by another run .*--reports-dir DIR") as raised:
            claim(reports, explicit=True)
        assert "\n" not in str(raised.value)
    finally:
        first.release()
    again = claim(reports, explicit=True)  # released: free again, whatever the lock file says
    again.release()
    assert again.path == reports


HELD_FEATURE = """
@TSE-0001.1a @exchange
Feature: A scenario that can hold the run

  @criterion:exchange.1a.rest-health
  Scenario: The run is held while HOLD_FILE is set
    Given a service
    Then it holds while told to
"""
HOLD_STEP = textwrap.dedent('''

    @then("it holds while told to")
    def holds():
        if os.environ.get("HOLD_FILE"):
            Path(os.environ["HOLD_FILE"]).write_text("held")
            threading.Event().wait(120)
''')


def _results(folder) -> list[dict]:
    return [json.loads(p.read_text()) for p in (folder / "allure-results").glob("*-result.json")]


def test_two_runs_in_one_project_never_share_a_reports_folder(tmp_path):
    root = project(tmp_path / "project", feature=HELD_FEATURE, conftest_extra=HOLD_STEP)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "pytest", "features/", *LEAN, "-q"]
    # A previous, finished run: its results must not mix into the next run's.
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=240)
    previous = [r["uuid"] for r in _results(root / "reports")]
    assert len(previous) == 1, done.stdout[-3000:]
    held_file = tmp_path / "held"
    first = subprocess.Popen(argv, cwd=root, env={**env, "HOLD_FILE": str(held_file)}, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_until(lambda: held_file.exists() or first.poll() is not None, 120, message="the first run to hold")
        assert first.poll() is None, first.communicate(timeout=30)[0][-3000:]
        second = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=240)
        first.send_signal(signal.SIGTERM)
        out_first, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    out_second = second.stdout + second.stderr
    own = root / "reports-2"
    notice = [line for line in out_second.splitlines() if "is in use by another run" in line]
    assert notice == [f"reports: {root / 'reports'} is in use by another run (pid {first.pid}); "
                      f"this run writes its reports to {own}"], out_second[-3000:]
    assert second.returncode == 0 and first.returncode == 143, out_first[-2000:] + out_second[-2000:]
    assert json.loads((own / "gate.json").read_text())["terminated"] is False
    assert json.loads((root / "reports" / "gate.json").read_text())["terminated"] is True
    mine = [r["uuid"] for r in _results(own)]
    theirs = [r["uuid"] for r in _results(root / "reports")]  # its scenario was cut off: Allure wrote none
    assert len(mine) == 1 and len(theirs) <= 1, (mine, theirs)
    assert not set(mine) & set(theirs) and not set(previous) & set(mine + theirs), (previous, mine, theirs)
    assert (own / "junit.xml").is_file() and (own / "cucumber.json").is_file()


@pytest.mark.parametrize("how", ["default", "--no-html-reports", "HARNESS_HTML_REPORTS=0"])
def test_no_html_reports_leaves_out_the_html_alone_and_still_counts_the_run(tmp_path, how):
    """--no-html-reports (or HARNESS_HTML_REPORTS=0) writes every report but the living docs and
    traceability.html, and the history still counts the run; by default both HTML reports are there."""
    root = project(tmp_path / "project")
    args = ("--no-html-reports",) if how.startswith("--") else ()
    env = {"HARNESS_HTML_REPORTS": "0"} if "=" in how else None
    proc, output = run(root, "--gate-allow-incomplete", *args, env=env)
    reports = root / "reports"
    assert proc.returncode == 0, output[-3000:]
    for name in ("gate.json", "run.json", "traceability.csv", "junit.xml", "cucumber.json", "allure-results"):
        assert (reports / name).exists(), f"{name} was not written ({how})"
    assert len(json.loads((reports / "history.json").read_text())["runs"]) == 1, "the run is not in the history"
    html = [name for name in ("living-docs/index.html", "traceability.html") if (reports / name).exists()]
    if how == "default":
        assert html == ["living-docs/index.html", "traceability.html"], output[-2000:]
        assert "living docs rendered in" in output
    else:
        assert html == [], f"{how} still wrote {html}"
        assert "(no living docs or traceability.html: --no-html-reports)" in output, output[-2000:]
