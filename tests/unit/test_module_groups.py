"""A slow module whose tests share a module-scoped fixture of its own runs on one worker (tests/tiers.py).

Spread over `-n 3` workers, tests/stack/test_chaos_control_api.py started its stack three times and
test_embedded_stack.py twice. A project in a temporary folder applies module_group() as tests/conftest.py
does; under `-n 2 --dist loadgroup` each shared module fixture is then made once.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..repo import REPO

CONFTEST = '''
import pytest

from tests.tiers import module_group


@pytest.fixture(scope="module")
def from_conftest():
    return 1


@pytest.hookimpl(tryfirst=True)  # before xdist's worker appends the groups to the node ids
def pytest_collection_modifyitems(items):
    for item in items:
        group = module_group(item)
        print("GROUP", item.nodeid, group)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
'''
SHARED = '''
import os

import pytest


@pytest.fixture(scope="module")
def made():
    open(os.path.join(os.environ["MADE_DIR"], f"made-{os.getpid()}"), "w").close()


@pytest.fixture
def per_test():
    return 1


@pytest.mark.parametrize("n", range(6))
def test_shared(made, n):
    pass


def test_alone(per_test, from_conftest):
    pass
'''
EXPLICIT = '''
import pytest

pytestmark = pytest.mark.xdist_group("mine")


@pytest.fixture(scope="module")
def own():
    return 1


def test_explicit(own):
    pass
'''


def _project(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_shared.py").write_text(SHARED)
    (tmp_path / "test_explicit.py").write_text(EXPLICIT)
    return tmp_path


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MADE_DIR": str(project), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=project, capture_output=True, text=True, timeout=120, env=env)


def test_only_a_test_using_its_modules_own_module_fixture_is_grouped(tmp_path: Path):
    proc = _pytest(_project(tmp_path), "--collect-only", "-q", "-s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    groups = dict(line.split()[1:3] for line in proc.stdout.splitlines() if line.startswith("GROUP "))
    assert groups == {**{f"test_shared.py::test_shared[{n}]": "test_shared" for n in range(6)},
                      "test_shared.py::test_alone": "None",  # a test-scoped and a conftest module fixture
                      "test_explicit.py::test_explicit": "None"}, groups  # its own group stays alone


def test_the_module_fixture_is_made_once_under_loadgroup(tmp_path: Path):
    project = _project(tmp_path)
    proc = _pytest(project, "-v", "-n", "2", "--dist", "loadgroup")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    workers = {line.split()[0] for line in proc.stdout.splitlines() if "PASSED test_shared.py::test_shared" in line}
    made = list(project.glob("made-*"))
    assert len(workers) == 1 and len(made) == 1, (sorted(workers), made, proc.stdout[-2000:])
