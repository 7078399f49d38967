"""The `harness-lint` pre-commit hook, run by the real pre-commit from a clone of this tree.

pre-commit installs the hook repository (a local git clone of the working tree, `rev` its
commit) into its own virtualenv from PyPI, then runs it in a git repository holding a stack
folder: the broken stack fails naming its finding, the clean one passes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO
from .test_lint import BROKEN, DEFECTS, _clean_base

pytestmark = pytest.mark.slow
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def _hook_repository(tmp: Path) -> tuple[Path, str]:
    """A git repository with this working tree's files (tracked and new, not ignored), committed."""
    hook = tmp / "hook-repo"
    hook.mkdir()
    _git(hook, "init", "-q")
    for name in _git(REPO, "ls-files", "-co", "--exclude-standard", "-z").split("\0"):
        source = REPO / name
        if name and source.is_file():
            (hook / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, hook / name)
    _git(hook, "add", "-A")
    _git(hook, "commit", "-qm", "hook under test")
    return hook, _git(hook, "rev-parse", "HEAD")


def _project(tmp: Path, name: str, stack: Path, hook: Path, rev: str) -> Path:
    project = tmp / name
    project.mkdir()
    _git(project, "init", "-q")
    shutil.copytree(stack, project / "stack")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook}\n    rev: {rev}\n    hooks:\n      - id: harness-lint\n")
    _git(project, "add", "-A")
    return project


@pytest.fixture(scope="module")
def hook(tmp_path_factory) -> tuple[Path, str, dict]:
    tmp = tmp_path_factory.mktemp("pre-commit")
    repo, rev = _hook_repository(tmp)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp / "cache")}
    env.pop("VIRTUAL_ENV", None)
    return repo, rev, env


def _run(project: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(PRE_COMMIT), "run", "--all-files", "--color", "never"], cwd=project,
                          capture_output=True, text=True, timeout=900, env=env)


def test_the_hook_fails_on_a_broken_stack_naming_each_finding(hook, tmp_path):
    repo, rev, env = hook
    proc = _run(_project(tmp_path, "broken", BROKEN, repo, rev), env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "harness lint (stack definition)" in proc.stdout and "Failed" in proc.stdout, proc.stdout
    for _, _, _, check, location, _ in DEFECTS.values():
        assert f"[{check}]" in proc.stdout and location in proc.stdout, (location, proc.stdout)
    assert "6 error(s)" in proc.stdout


def test_the_hook_passes_on_a_correct_stack(hook, tmp_path):
    repo, rev, env = hook
    proc = _run(_project(tmp_path, "clean", _clean_base(tmp_path / "base"), repo, rev), env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "harness lint (stack definition)" in proc.stdout and "Passed" in proc.stdout, proc.stdout
