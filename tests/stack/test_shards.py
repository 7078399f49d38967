"""Four shards of a suite run merge into the gate of the unsharded run, scenario by scenario.

The suite is three milestones of the reference (SELECTION: 55 scenarios in five feature files, of four
components), so that the proof costs five short runs instead of five runs of every scenario: sharding and
merging do not depend on which scenarios are selected. The unsharded run writes durations.json, which
balances the shards; then `--shard 1/4` … `4/4` one after another, each with its own reports folder, then
`harness gate merge`. Leaving a shard out gives INCOMPLETE, naming it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import junitparser
import pytest

from ..conftest import FORK_SERVER, LEAN, REPO

SHARDS = 4
SELECTION = ("--milestone", "TSE-0001.1a", "--milestone", "TSE-0001.4.2", "--milestone", "TSE-0002")
# What those scenarios use (and what that needs): every one of them passes on it, the stack starts in 1.2 s, not 3.0
SERVICES = "exchange-simulator,market-data-simulator,custodian-simulator,audit-correlator"
ROW_FIELDS = ("key", "scenarios", "passed", "failed", "skipped", "criteria", "verdict")


def _pytest(reports: Path, *args: str) -> subprocess.CompletedProcess:
    return FORK_SERVER.run([sys.executable, "-m", "pytest", "features/", "-q", *LEAN, f"--reports-dir={reports}", *args],
                           cwd=REPO, timeout=1800,
                           env={**os.environ, "HARNESS_GATE_ALLOW_INCOMPLETE": "0", "HARNESS_SERVICES": SERVICES})


def _merge(out: Path, *folders: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "gate", "merge", *map(str, folders),
                           "--reports-dir", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HARNESS_GATE_ALLOW_INCOMPLETE": "0"})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("shards")
    whole = _pytest(tmp / "whole", *SELECTION)
    assert whole.returncode == 0, whole.stdout[-3000:] + whole.stderr[-2000:]
    durations = tmp / "whole" / "durations.json"
    assert durations.is_file()
    shards = []
    for index in range(1, SHARDS + 1):
        proc = _pytest(tmp / f"shard-{index}", *SELECTION, f"--shard={index}/{SHARDS}", f"--shard-durations={durations}")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        shards.append(tmp / f"shard-{index}")
    return {"tmp": tmp, "whole": tmp / "whole", "shards": shards}


def _json(path: Path):
    return json.loads(path.read_text())


def test_each_shard_records_itself_and_writes_every_report(runs):
    expected: set[str] = set()
    for index, folder in enumerate(runs["shards"], start=1):
        record = _json(folder / "shard.json")
        assert (record["shard"], record["of"]) == (index, SHARDS)
        assert record["expected"] and not expected & set(record["expected"])  # no scenario in two shards
        expected |= set(record["expected"])
        for name in ("cucumber.json", "junit.xml", "run.json", "gate.json"):
            assert (folder / name).is_file(), name
        assert any((folder / "allure-results").glob("*-result.json"))
        features = {key.split(":")[0] for key in record["expected"]}
        for other in runs["shards"]:
            if other != folder:
                assert not features & {k.split(":")[0] for k in _json(other / "shard.json")["expected"]}, \
                    "a feature file was split across shards"
    assert expected == set(_json(runs["whole"] / "run.json")["results"])


def test_the_merged_gate_equals_the_unsharded_run_scenario_by_scenario(runs):
    out = runs["tmp"] / "merged"
    proc = _merge(out, *runs["shards"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    whole, merged = _json(runs["whole"] / "run.json"), _json(out / "run.json")
    assert merged["gate"]["verdict"] == whole["gate"]["verdict"] == "PASS"
    rows = lambda run: [{f: row[f] for f in ROW_FIELDS} for row in run["gate"]["milestones"]]  # noqa: E731
    assert rows(merged) == rows(whole)
    assert {k: r["outcome"] for k, r in merged["results"].items()} == {k: r["outcome"] for k, r in whole["results"].items()}
    cucumber = lambda path: sorted(el["name"] for f in _json(path) for el in f.get("elements", []))  # noqa: E731
    assert cucumber(out / "cucumber.json") == cucumber(runs["whole"] / "cucumber.json")
    junit = lambda path: sorted(c.name for s in junitparser.JUnitXml.fromfile(str(path)) for c in s)  # noqa: E731
    assert junit(out / "junit.xml") == junit(runs["whole"] / "junit.xml")
    # one scenario per historyId: a scenario retried (@timing) leaves one result per attempt
    results = lambda folder: {_json(p)["historyId"] for p in (folder / "allure-results").glob("*-result.json")}  # noqa: E731
    assert results(out) == results(runs["whole"]) and len(results(out)) >= len(whole["results"])
    assert (out / "living-docs" / "index.html").is_file() and (out / "traceability.html").is_file()


def test_a_shard_left_out_makes_the_merged_gate_incomplete_naming_it(runs):
    out = runs["tmp"] / "three"
    proc = _merge(out, *runs["shards"][:2], runs["shards"][3])
    assert proc.returncode == 6, proc.stdout + proc.stderr
    gate = _json(out / "gate.json")
    assert gate["verdict"] == "INCOMPLETE" and gate["missing_shards"] == [f"shard 3/{SHARDS} never reported"]
    assert f"INCOMPLETE: shard 3/{SHARDS} never reported" in proc.stdout
    third = set(_json(runs["shards"][2] / "shard.json")["expected"])
    named = {m["key"] for row in gate["milestones"] for m in row["missing"]}
    assert third & named and named <= third
