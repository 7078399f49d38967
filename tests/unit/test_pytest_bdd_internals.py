"""fixtures/reporting.py uses three pytest-bdd internals that no public hook replaces (each place says why);
fixtures/plugin.py reads the first (an item's scenario, for the line of a skipped one).
Written for pytest-bdd 9.0 (pyproject pins >=9.0,<10): when pytest-bdd changes them, this fails first, by name."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
from importlib.metadata import version
from weakref import WeakKeyDictionary

from pytest_bdd import cucumber_json, reporting
from pytest_bdd.parser import Feature, ScenarioTemplate

scenario = importlib.import_module("pytest_bdd.scenario")  # the module (the package exports a function of that name)


def test_written_for_pytest_bdd_9():
    assert version("pytest-bdd").split(".")[0] == "9", (
        f"pytest-bdd {version('pytest-bdd')}: fixtures/reporting.py was written against 9.0's internals; "
        "recheck the registries below, then this pin")


def test_the_scenario_of_a_collected_test_is_kept_by_its_function():
    assert isinstance(scenario.scenario_wrapper_template_registry, WeakKeyDictionary)
    fields = {f.name for f in dataclasses.fields(ScenarioTemplate)}
    assert {"feature", "line_number"} <= fields, fields
    assert "filename" in {f.name for f in dataclasses.fields(Feature)}


def test_an_outline_row_is_the_callspec_index_of_pytest_bdd_example():
    source = inspect.getsource(scenario)
    assert "_pytest_bdd_example" in source, "the Examples row is no longer the _pytest_bdd_example parameter"


def test_the_steps_of_a_report_are_kept_by_report_object_and_read_by_the_cucumber_json():
    assert isinstance(reporting.test_report_context_registry, WeakKeyDictionary)
    assert [f.name for f in dataclasses.fields(reporting.ReportContext)] == ["scenario", "name"]
    assert cucumber_json.test_report_context_registry is reporting.test_report_context_registry
    step_keys = set(reporting.StepReport(step=_Step()).serialize())
    assert {"keyword", "name", "line_number", "failed", "duration"} <= step_keys, step_keys


class _Step:
    keyword, name, line_number, type, failed = "Given", "a step", 1, "given", False
