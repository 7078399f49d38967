"""The distribution installs only the engine; simulators stay independent of the harness."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ..shared_temp import once, shared_dir

REPO = Path(__file__).resolve().parents[2]
GENERIC = {"fixtures", "steps", "simulators", "tests", "features", "stack", "bench"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """Built once per session: two builds in the one source tree at once break each other (setuptools' build/)."""
    built = once(shared_dir(tmp_path_factory.getbasetemp()), "wheel", _build)
    (path,) = built.glob("trading_acceptance_harness-*.whl")
    return zipfile.ZipFile(path)


def _build(out: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                           str(out), str(REPO)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip wheel {REPO} failed:\n{(done.stdout + done.stderr)[-3000:]}"


def test_the_wheel_installs_one_namespaced_top_level_package(wheel):
    top_level = {name.split("/")[0] for name in wheel.namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"trading_harness"}, top_level
    assert not top_level & GENERIC


def test_the_console_script_points_into_the_engine(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "harness = trading_harness.cli.main:main" in wheel.read(entry_points).decode()


def test_the_engine_ships_its_report_templates(wheel):
    assert any(n.startswith("trading_harness/reporting/templates/") for n in wheel.namelist())


def test_simulators_never_import_the_harness():
    pattern = re.compile(r"^\s*(from|import)\s+(trading_harness|fixtures|steps)\b", re.M)
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "simulators").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
