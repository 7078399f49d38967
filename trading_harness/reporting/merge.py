"""`harness gate merge DIR...`: one milestone verdict over the reports of every shard of a run.

Each shard's reports folder holds shard.json (which shard of how many, the scenarios it was to
run and those left to the others) beside run.json (its results). The merged gate uses the same
rules as an unsharded run: a scenario no shard ran keeps its milestone from PASS, and a shard
that never reported makes the verdict INCOMPLETE, naming it. The merged Cucumber JSON, JUnit,
Allure results, traceability and living docs are written by the same renderers as a run's.
"""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from trading_harness.errors import HarnessError
from trading_harness.reporting import allure_meta, environment, gate, livingdocs, sharding, traceability
from trading_harness.reporting.catalogue import load
from trading_harness.reporting.results import Result
from trading_harness.reporting.scenarios import parse_features

RANK = {"failed": 0, "error": 1, "passed": 2, "skipped": 3, "not run": 4}
MAX_JSON_BYTES = 256 * 1024 * 1024  # a reports folder is input: bounded reads


@dataclass
class Shard:
    folder: Path
    index: int
    count: int
    record: dict
    run: dict  # run.json: run, gate, results

    @property
    def name(self) -> str:
        return f"shard {self.index}/{self.count}"


@dataclass
class Merged:
    gate: gate.Gate
    exit_status: int
    written: list[Path] = field(default_factory=list)
    shards: list[Shard] = field(default_factory=list)


def _read_json(path: Path):
    if path.stat().st_size > MAX_JSON_BYTES:
        raise HarnessError(f"{path}: larger than {MAX_JSON_BYTES} bytes; not a report of this harness")
    try:
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{path}: not JSON ({exc}); fix: point `harness gate merge` at the shards' reports folders") from None


def read_shards(folders: list[Path]) -> tuple[list[Shard], list[str]]:
    """The shards that reported, and one line per folder that holds no complete shard report."""
    shards, unreadable = [], []
    for folder in folders:
        record_path, run_path = folder / sharding.SHARD_FILE, folder / "run.json"
        if not record_path.is_file() or not run_path.is_file():
            unreadable.append(f"{folder}: no {sharding.SHARD_FILE} and run.json (the shard never reported)")
            continue
        record, run = _read_json(record_path), _read_json(run_path)
        if not isinstance(record, dict) or not isinstance(record.get("shard"), int) or not isinstance(record.get("of"), int):
            raise HarnessError(f"{record_path}: no shard number; fix: write it with `pytest features/ --shard I/N`")
        shards.append(Shard(folder, record["shard"], record["of"], record, run))
    counts = {s.count for s in shards}
    if len(counts) > 1:
        raise HarnessError("the folders hold shards of different splits: " + ", ".join(
            f"{s.folder} is {s.name}" for s in shards))
    seen: dict[int, Shard] = {}
    for shard in shards:
        if shard.index in seen:
            raise HarnessError(f"{shard.name} reported twice: {seen[shard.index].folder} and {shard.folder}")
        seen[shard.index] = shard
    return sorted(shards, key=lambda s: s.index), unreadable


def merge(folders: list[Path], out: Path, catalogue_path: Path, features_dir: Path, strict: bool = False,
          allow_incomplete: bool = False) -> Merged:
    shards, unreadable = read_shards([Path(f) for f in folders])
    if not shards:
        raise HarnessError("no shard reported: " + "; ".join(unreadable))
    count = shards[0].count
    absent = [f"shard {i}/{count} never reported" for i in range(1, count + 1) if i not in {s.index for s in shards}]
    catalogue = load(catalogue_path)
    outlines = parse_features(features_dir, catalogue)
    cases = {c.key: c for o in outlines for c in o.cases}
    by_key = _results(shards)
    results = [Result(**{k: v for k, v in r.items() if k in Result.__dataclass_fields__}) for r in by_key.values()]
    ran = {k for k, r in by_key.items() if r["outcome"] != "not run"}
    missing = _missing(shards, cases, ran, absent)
    first_gate = shards[0].run.get("gate", {})
    explicit = bool(first_gate.get("explicit_selection"))
    selected = [m["key"] for m in first_gate.get("milestones", [])] if explicit else list(catalogue.milestones)
    merged = gate.evaluate(catalogue, cases, results, selected, explicit, allow_incomplete, missing=missing,
                           strict=strict)
    merged.missing_shards = absent + [line for line in unreadable]
    merged.stacks = [{**s, "worker": f"{shard.name}{' ' + s['worker'] if s.get('worker') else ''}"} for shard in shards
                     for s in shard.run.get("gate", {}).get("timing", {}).get("stack", [])]
    merged.wall_seconds = max((shard.run.get("gate", {}).get("timing", {}).get("wall_seconds", 0) for shard in shards),
                              default=0.0)
    failed = any(r.outcome in ("failed", "error") for r in results)
    keys_failed = {r.key for r in results if r.outcome in ("failed", "error")}
    merged.only_advisories_failed = failed and keys_failed <= merged.advisory_keys
    pytest_status = 1 if failed else 0
    status = merged.exit_status(pytest_status)
    written = _write(out, shards, merged, pytest_status, catalogue, cases, outlines, by_key)
    return Merged(merged, status, written, shards)


def _results(shards: list[Shard]) -> dict[str, dict]:
    """One result per scenario over every shard; a scenario reported twice keeps its worst outcome."""
    found: dict[str, dict] = {}
    for shard in shards:
        for key, result in (shard.run.get("results") or {}).items():
            current = found.get(key)
            if current is None or RANK.get(result.get("outcome"), 5) < RANK.get(current.get("outcome"), 5):
                found[key] = result
    return found


def _missing(shards: list[Shard], cases: dict, ran: set[str], absent: list[str]) -> dict[str, str]:
    """Case key -> why it did not run, over all shards."""
    found: dict[str, str] = {}
    expected = {key: shard for shard in shards for key in shard.record.get("expected", [])}
    elsewhere = {key for shard in shards for key in shard.record.get("elsewhere", [])}
    for shard in shards:  # what each shard itself found missing (never collected, dropped by a hook, cut off)
        for row in shard.run.get("gate", {}).get("milestones", []):
            for item in row.get("missing", []):
                found.setdefault(item["key"], f"{item['reason']} ({shard.name})")
    for key, shard in expected.items():
        if key not in ran:
            found.setdefault(key, f"did not run in {shard.name}")
    for key in elsewhere - set(expected):
        if key not in ran:
            found.setdefault(key, f"its shard never reported: {', '.join(absent)}" if absent else "in no shard that reported")
    return {k: why for k, why in found.items() if k in cases and k not in ran and cases[k].milestones}


def _write(out: Path, shards: list[Shard], merged: gate.Gate, pytest_status: int, catalogue, cases, outlines,
           by_key: dict[str, dict]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    gate_dict = merged.as_dict(pytest_status)
    outcomes = [r["outcome"] for r in by_key.values()]
    base_run = shards[0].run.get("run", {})
    run = {**base_run, "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
           "selection": f"{base_run.get('selection', 'all features')}, merged from shards "
                        + ", ".join(str(s.index) for s in shards) + f" of {shards[0].count}",
           "scenarios": len(outcomes), "passed": outcomes.count("passed"),
           "failed": outcomes.count("failed") + outcomes.count("error"), "skipped": outcomes.count("skipped"),
           "workers": len(merged.stacks), "duplicates": [d for s in shards for d in s.run.get("run", {}).get("duplicates", [])],
           "shards": [{"shard": s.index, "of": s.count, "folder": str(s.folder)} for s in shards]}
    allure_out = out / "allure-results"
    written = [out / "gate.json", out / "run.json"]
    written[0].write_text(json.dumps({**gate_dict, "run": run}, indent=2))
    written[1].write_text(json.dumps({"run": run, "gate": gate_dict, "results": by_key,
                                      "catalogue": str(catalogue.path.resolve()),
                                      "features": shards[0].run.get("features", ""),
                                      "allure_results": str(allure_out.resolve()),
                                      "failures": {k: v for s in shards for k, v in (s.run.get("failures") or {}).items()},
                                      "kept": sorted({k for s in shards for k in s.run.get("kept", [])})}, indent=2))
    written += traceability.write(out, catalogue, cases, {k: r["outcome"] for k, r in by_key.items()})
    written.append(_merge_cucumber(out / "cucumber.json", [_shard_file(s, "cucumber_json", "cucumber.json") for s in shards]))
    written.append(_merge_junit(out / "junit.xml", [(s, _shard_file(s, "junit_xml", "junit.xml")) for s in shards]))
    written += _merge_allure(allure_out, [_shard_file(s, "allure_results", "allure-results") for s in shards],
                             merged.stacks)
    measured = {r["nodeid"]: r.get("duration", 0.0) for r in by_key.values() if r["outcome"] in ("passed", "failed")}
    if measured:
        written.append(sharding.write_durations(out / sharding.DURATIONS_FILE, measured))
    failures = {k: v for shard in shards for k, v in (shard.run.get("failures") or {}).items()}
    kept = {k for shard in shards for k in shard.run.get("kept", [])}
    site = livingdocs.Site(catalogue, outlines, by_key, gate_dict, run, out / "living-docs", allure_out,
                           failures=failures, kept=kept)
    written += site.write()
    return written


def _shard_file(shard: Shard, recorded: str, default: str) -> Path:
    """A report of the shard: in its folder, else where the shard recorded it (the same machine)."""
    local = shard.folder / default
    if local.exists():
        return local
    path = shard.record.get(recorded)
    return Path(path) if path else local


def _merge_cucumber(path: Path, sources: list[Path]) -> Path:
    """Features by uri, their scenarios from every shard (a feature file runs whole in one shard)."""
    features: dict[str, dict] = {}
    for source in sources:
        if not source.is_file():
            continue
        for feature in _read_json(source) or []:
            uri = feature.get("uri") or feature.get("id")
            if uri in features:
                features[uri].setdefault("elements", []).extend(feature.get("elements", []))
            else:
                features[uri] = feature
    path.write_text(json.dumps(list(features.values()), indent=4))
    return path


def _merge_junit(path: Path, sources: list[tuple[Shard, Path]]) -> Path:
    """One <testsuites> holding each shard's test suite, named after its shard; totals summed."""
    root = ET.Element("testsuites", name="pytest features (merged shards)")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    seconds = 0.0
    for shard, source in sources:
        if not source.is_file():
            continue
        tree = ET.parse(source).getroot()
        for suite in ([tree] if tree.tag == "testsuite" else tree.iter("testsuite")):
            suite.set("name", f"{suite.get('name', 'pytest')} ({shard.name})")
            for name in totals:
                totals[name] += int(suite.get(name, "0") or 0)
            seconds += float(suite.get("time", "0") or 0)
            root.append(suite)
    for name, value in totals.items():
        root.set(name, str(value))
    root.set("time", f"{seconds:.3f}")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _merge_allure(out: Path, sources: list[Path], stacks: list[dict]) -> list[Path]:
    """Every shard's results and attachments (their names are UUIDs), then one environment and categories."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for source in sources:
        if source.is_dir():
            for item in source.iterdir():
                if item.is_file() and item.name not in ("environment.properties", "categories.json"):
                    shutil.copy2(item, out / item.name)
    return [out, allure_meta.write_environment(out, environment.properties(stacks, Path.cwd())),
            allure_meta.write_categories(out)]
