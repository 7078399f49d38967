"""A features run ends without the interpreter's last walk over every object it made (fixtures/plugin.py)."""
from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest

from fixtures import plugin


def test_the_end_of_a_run_freezes_what_it_made_so_the_exit_does_not_collect_it():
    config = SimpleNamespace(stash=pytest.Stash(), option=SimpleNamespace(allure_report_dir=None,
                                                                          cucumber_json_path=None))
    gc.unfreeze()
    try:
        plugin.pytest_unconfigure(config)
        assert gc.get_freeze_count() > 0, "pytest_unconfigure left every object to the exit's garbage collection"
    finally:
        gc.unfreeze()
