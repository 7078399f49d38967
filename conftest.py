"""Loads the harness plugin and every step module under steps/."""
from pathlib import Path

pytest_plugins = ["fixtures.collection", "fixtures.plugin", "fixtures.reporting", "fixtures.step_lookup"] + sorted(
    f"steps.{path.stem}" for path in (Path(__file__).parent / "steps").glob("*_steps.py"))
