"""CONTRIBUTING.md's recipe 1, followed on a scratch copy of the repository: the new criterion's scenario
passes on the reference stack and fails on a copy that breaks it. The code blocks are taken from
CONTRIBUTING.md itself, so the recipe cannot drift from what works."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ..conftest import LEAN, REPO

RECIPE = (REPO / "CONTRIBUTING.md").read_text()
MILESTONE = "orchestrator/TSE-0001.99"


def blocks(language: str, recipe: int = 1) -> list[str]:
    """The fenced code blocks of a recipe in one language, dedented."""
    recipe = RECIPE.split(f"## Recipe {recipe}", 1)[1].split("\n## ", 1)[0]
    return [textwrap.dedent(b) for b in re.findall(rf"```{language}\n(.*?)```", recipe, re.DOTALL)]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """The repository copied with recipe 1 applied (seeds beside it, as ../shared/seeds is to the repo)."""
    base = tmp_path_factory.mktemp("recipe")
    root = base / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".venv", "reports", "build", "*.egg-info", ".git")
    for name in ("features", "steps", "fixtures", "stack", "trading_harness", "simulators"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    seeds = REPO.parent / "shared" / "seeds"
    if seeds.is_dir():
        shutil.copytree(seeds, base / "shared" / "seeds")
    [catalogue] = blocks("yaml")
    [feature] = blocks("gherkin")
    probe, step = blocks("python")
    with (root / "features" / "milestones.yml").open("a") as out:
        out.write("\n" + textwrap.indent(catalogue, "  "))  # under milestones:
    (root / "features" / "orchestrator" / "redis_keepalive.feature").write_text(feature)
    (root / "steps" / "probes" / "redis_directives.py").write_text(probe)
    (root / "steps" / "redis_directives_steps.py").write_text(
        "from pytest_bdd import parsers, then\n\nfrom steps.probes.redis_directives import directive\n\n\n" + step)
    return root


def run(root: Path, stack_dir: Path) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "features/orchestrator/redis_keepalive.feature", *LEAN, "-q",
         "--milestone", MILESTONE, "--stack-dir", str(stack_dir), f"--reports-dir={root / 'reports'}"],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(root), "HARNESS_GATE_ALLOW_INCOMPLETE": "0"})
    gate = json.loads((root / "reports" / "gate.json").read_text()) if (root / "reports" / "gate.json").is_file() else {}
    rows = {row["key"]: row for row in gate.get("milestones", [])}
    assert MILESTONE in rows, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.returncode, rows[MILESTONE]


def test_the_recipe_has_every_part():
    assert len(blocks("yaml")) == 1 and len(blocks("gherkin")) == 1 and len(blocks("python")) == 2


def test_the_new_scenario_passes_on_the_reference_stack(scratch: Path):
    code, row = run(scratch, scratch / "stack")
    assert (code, row["verdict"], row["passed"]) == (0, "PASS", 1), row


def test_the_new_scenario_fails_on_a_stack_that_breaks_it(scratch: Path, tmp_path: Path):
    broken = tmp_path / "stack"
    shutil.copytree(scratch / "stack", broken)
    conf = broken / "redis" / "redis.conf"
    conf.write_text("\n".join(line for line in conf.read_text().splitlines() if not line.startswith("tcp-keepalive")))
    code, row = run(scratch, broken)
    assert (code, row["verdict"], row["failed"]) == (1, "FAIL", 1), row


def engine_copy(tmp_path: Path) -> Path:
    root = tmp_path / "engine"
    shutil.copytree(REPO / "trading_harness", root / "trading_harness", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def insert_entry(path: Path, table_opening: str, entry: str) -> None:
    """The recipe's one table entry, written as the table's first row."""
    text = path.read_text()
    assert table_opening in text, f"{path}: no {table_opening!r}: the recipe no longer matches the code"
    path.write_text(text.replace(table_opening, table_opening + "\n" + entry.rstrip() + "\n", 1))


def python(root: Path, code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


CLASSIFY = """
    from trading_harness.stack_reader.kinds import Shape, classify
    c = classify(Shape("sentinel-metrics", "leominov/redis_sentinel_exporter:1.7", []))
    print(c.category, c.what)
"""


def test_recipe_2_a_new_kind_classifies_its_image_under_any_name(tmp_path: Path):
    entry, _ = blocks("python", recipe=2)
    root = engine_copy(tmp_path)
    assert python(root, CLASSIFY) == "unknown unknown"  # before the recipe
    insert_entry(root / "trading_harness" / "stack_reader" / "kinds.py", "KINDS: tuple[Kind, ...] = (", entry)
    assert python(root, CLASSIFY) == "exporter Redis Sentinel exporter"


def test_recipe_2_a_runnable_kind_is_one_complete_table_entry(tmp_path: Path):
    _, entry = blocks("python", recipe=2)
    root = engine_copy(tmp_path)
    insert_entry(root / "trading_harness" / "service_kinds.py", "SERVICE_KINDS: dict[str, ServiceKind] = {", entry)
    out = python(root, """
        import inspect
        from types import SimpleNamespace
        from trading_harness.lint.runner import CHECKS
        from trading_harness.service_kinds import SERVICE_KINDS, kind_of
        kind = SERVICE_KINDS["valkey"]
        assert kind.lint in CHECKS and kind.image and kind.description
        assert list(inspect.signature(kind.load_runner()).parameters)[:3] == ["spec", "definition", "workdir"]
        assert list(inspect.signature(kind.load_health()).parameters) == ["stack", "service"]
        print(kind_of(SimpleNamespace(category="redis", command=["valkey-server", "/etc/valkey.conf"])))
    """)
    assert out == "valkey", out


def test_recipe_3_a_new_target_is_offered_by_the_cli_and_the_plugin(tmp_path: Path):
    [entry] = blocks("python", recipe=3)
    root = engine_copy(tmp_path)
    insert_entry(root / "trading_harness" / "targets" / "__init__.py", "TARGETS: dict[str, Target] = {", entry)
    out = python(root, """
        from trading_harness.targets import STARTABLE, TARGETS
        print(" ".join(TARGETS), "|", " ".join(STARTABLE))
    """)
    assert out.split(" | ")[0].split()[0] == "k8s" and "k8s" in out.split(" | ")[1], out
    proc = subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "start", "--target", "no-such-target"],
                          cwd=root, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode != 0 and "k8s" in proc.stderr, proc.stderr[-2000:]
