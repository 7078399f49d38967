"""A features run under xdist orders its feature files heaviest first, by the stored durations, each file whole;
and keeps xdist's own scheduling when the user chose one (fixtures/run_order.py)."""
from __future__ import annotations

import pytest

from fixtures.run_order import dist_chosen
from trading_harness.reporting.sharding import heaviest_files_first

IDS = ["a.feature::t1", "a.feature::t2", "b.feature::t1", "c.feature::t1", "c.feature::t2", "c.feature::t3"]


def _files(order: list[int]) -> list[str]:
    return [IDS[i] for i in order]


def test_the_heaviest_file_comes_first_whole_and_in_its_order():
    durations = {"a.feature::t1": 1, "a.feature::t2": 1, "b.feature::t1": 5, "c.feature::t1": 0.1,
                 "c.feature::t2": 0.1, "c.feature::t3": 0.1}
    assert _files(heaviest_files_first(IDS, durations)) == [
        "b.feature::t1", "a.feature::t1", "a.feature::t2", "c.feature::t1", "c.feature::t2", "c.feature::t3"]


def test_unknown_scenarios_weigh_the_mean_and_ties_keep_the_collection_order():
    # c's three unknown scenarios weigh the mean of the known (1.0) each: 3.0, more than a's 2.0
    assert _files(heaviest_files_first(IDS, {"a.feature::t1": 1, "a.feature::t2": 1, "b.feature::t1": 1})) == [
        "c.feature::t1", "c.feature::t2", "c.feature::t3", "a.feature::t1", "a.feature::t2", "b.feature::t1"]
    assert heaviest_files_first(["x.feature::t", "y.feature::t"], {}) == [0, 1]


class _Config:
    def __init__(self, args: list[str], addopts: list[str] = ()):
        self.invocation_params = type("P", (), {"args": tuple(args)})()
        self.addopts = list(addopts)

    def getini(self, name: str):
        assert name == "addopts"
        return self.addopts


@pytest.mark.parametrize(("args", "addopts", "env", "chosen"), [
    (["features/", "-n", "2"], [], "", False),
    (["features/", "-n", "2", "--dist", "load"], [], "", True),
    (["features/", "-n", "2", "--dist=loadscope"], [], "", True),
    (["features/", "-n", "2", "-d"], [], "", True),
    (["features/", "-n", "2"], ["--dist", "worksteal"], "", True),
    (["features/", "-n", "2"], [], "--dist load", True),
    (["features/", "-n", "2", "-k", "dist"], [], "", False),
])
def test_an_explicit_dist_keeps_xdists_scheduling(monkeypatch, args, addopts, env, chosen):
    monkeypatch.setenv("PYTEST_ADDOPTS", env)
    assert dist_chosen(_Config(args, addopts)) is chosen
