"""`pytest tests/ -n 2 --dist loadgroup` keeps an xdist_group on one worker.

The module groups (tests/tiers.py) and the compose group rely on it: their module fixtures (suite runs,
stacks, one compose stack at a time) are made once. pytest 9.2 with pytest-xdist 3.8 drops the groups without a word
(pytest-dev/pytest-xdist#1386): every grouped fixture was then made once per worker.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GROUPED = '''
import os
import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.fixture(scope="module")
def made():
    open(os.path.join(os.environ["MADE_DIR"], f"made-{os.getpid()}"), "w").close()


@pytest.mark.parametrize("n", range(6))
def test_grouped(made, n):
    pass
'''
UNGROUPED = '''
import pytest


@pytest.mark.parametrize("n", range(6))
def test_free(n):
    pass
'''


def test_a_group_runs_on_one_worker_and_its_module_fixture_is_made_once(tmp_path: Path):
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    (tmp_path / "test_free.py").write_text(UNGROUPED)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", "-n", "2",
                           "--dist", "loadgroup", "test_grouped.py", "test_free.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MADE_DIR": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    workers = {line.split()[0] for line in proc.stdout.splitlines() if "PASSED test_grouped.py" in line}
    made = list(tmp_path.glob("made-*"))
    assert len(workers) == 1 and len(made) == 1, (
        f"the group ran on {sorted(workers)} and its module fixture was made {len(made)} times: xdist_group is "
        f"not honoured by this pytest and pytest-xdist (pytest-dev/pytest-xdist#1386; pyproject.toml caps "
        f"pytest for the dev extra)")
