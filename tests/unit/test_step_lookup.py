"""fixtures/step_lookup.py finds the same step definitions as pytest-bdd, and relies on internals that still exist."""
from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
import textwrap

from pytest_bdd import compat, steps

from ..repo import LEAN, REPO

scenario = importlib.import_module("pytest_bdd.scenario")

# Collected with the remembered lookup installed: every step of every scenario (each Examples row rendered) is looked
# up both ways, and the definitions found are compared.
COMPARE = textwrap.dedent("""
    import json, os
    from pytest_bdd.scenario import scenario_wrapper_template_registry
    from fixtures import step_lookup

    def pytest_collection_finish(session):
        compared, differ = 0, []
        manager = session._fixturemanager
        for item in session.items:
            example = getattr(item, "callspec", None) and item.callspec.params.get("_pytest_bdd_example")
            for step in scenario_wrapper_template_registry[item.obj].render(example or {}).steps:
                ours = list(step_lookup.find_fixturedefs_for_step(step, manager, item))
                theirs = list(step_lookup._original(step, manager, item))
                compared += 1
                if ours != theirs or not ours:
                    differ.append(f"{item.nodeid}: {step.type} {step.name!r}: {ours} != {theirs}")
        with open(os.environ["STEP_LOOKUP_OUT"], "w") as out:
            json.dump({"compared": compared, "differ": differ}, out)
""")


def test_the_internals_it_replaces_are_there():
    assert list(inspect.signature(scenario.find_fixturedefs_for_step).parameters) == ["step", "fixturemanager", "node"]
    # pytest-bdd calls it through its module's global, which the plugin replaces
    assert "find_fixturedefs_for_step(" in inspect.getsource(scenario.inject_fixturedefs_for_step)
    assert callable(compat.get_fixture_names) and callable(compat.getfixturedefs)
    # the name a step's definitions are injected under while pytest-bdd resolves them: never listed as a definition
    assert "StepNamePrefix.step_impl" in inspect.getsource(steps.get_step_fixture_name)


def test_every_step_finds_the_definitions_pytest_bdd_finds(tmp_path):
    (tmp_path / "compare_lookup.py").write_text(COMPARE)
    out = tmp_path / "compared.json"
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "STEP_LOOKUP_OUT": str(out)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "features/", "--collect-only", "-q", *LEAN,
                           "-p", "compare_lookup"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["compared"] > 1500, result["compared"]
    assert not result["differ"], "\n".join(result["differ"][:10])
