"""Broken variants of the stack: the building blocks of the tests that prove scenarios can fail.

A variant is the same code started with a deliberate fault (SIMULATOR_FAULTS, see
simulators/common/settings.py and each domain's Defaults.faults) or another setting, made in a
copy of stack/. Every scenario a variant selects must fail against it, and pass against the intact stack.

Where it runs, chosen per variant by assert_fails, with no list to keep:
- on the process's running stack (tests/running_stack.py), when its only changes are faults the running
  simulators say they switch (GET /audit/v1/faults "switchable"): switched on, run, switched off;
- on a fresh stack from a broken copy of stack/ otherwise (a change of the stack definition, a fault that acts
  only at start), and when the run on the running stack did not fail as it must while a fault it switched
  was lost on the way (a scenario restarted the service): the same run again on a fresh stack, which decides.
"""
from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .conftest import LEAN, REPO, RunResult, edit
from .running_stack import declared_switchable

EXCHANGE, MARKET_DATA, OKX = "exchange-simulator", "market-data-simulator", "exchange-okx"
CUSTODIAN = "custodian-simulator"
SUPERUSER_URL = "postgres://postgres:postgres-dev-pass@postgres:5432/trading_ecosystem?sslmode=disable"
Change = Callable[[Path], None]


def env(service: str, **variables: str) -> Change:
    """Override environment variables of one compose service."""
    def change(root: Path) -> None:
        _compose(root, service, lambda spec: _set_env(spec, service, variables))
    return change


def without_env(service: str, key: str) -> Change:
    """Drop one environment variable of a compose service (it must be there)."""
    def drop(spec: dict) -> None:
        assert key in spec["environment"], f"{service} has no {key}: the variant breaks nothing"
        del spec["environment"][key]
    return lambda root: _compose(root, service, drop)


def label(service: str, name: str, value: str) -> Change:
    return lambda root: _compose(root, service, lambda spec: spec.setdefault("labels", {}).__setitem__(name, value))


def without(service: str, key: str) -> Change:
    def drop(spec: dict) -> None:
        assert key in spec, f"{service} has no {key}: the variant breaks nothing"
        del spec[key]
    return lambda root: _compose(root, service, drop)


def text(path: str, old: str, new: str) -> Change:
    return lambda root: edit(root / path, old, new)


def append(path: str, sql: str) -> Change:
    return lambda root: (root / path).write_text((root / path).read_text() + "\n" + sql + "\n")


def _set_env(spec: dict, service: str, variables: dict[str, str]) -> None:
    for key, value in variables.items():
        assert spec["environment"].get(key) != value, f"{service} already has {key}={value}: the variant breaks nothing"
        spec["environment"][key] = value


def _compose(root: Path, service: str, change: Callable[[dict], None]) -> None:
    path = root / "docker-compose.yml"
    doc = yaml.safe_load(path.read_text())
    change(doc["services"][service])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


@dataclass(frozen=True)
class Fault:
    """A deliberate fault of one service: SIMULATOR_FAULTS in a stack copy, or switched on a running stack."""

    service: str
    name: str

    def __call__(self, root: Path) -> None:
        env(self.service, SIMULATOR_FAULTS=self.name)(root)


def fault(service: str, name: str) -> Change:
    return Fault(service, name)


@dataclass(frozen=True)
class Variant:
    changes: list[Change]
    selection: str  # -k expression: every scenario it selects must fail
    services: str = EXCHANGE  # HARNESS_SERVICES for the run


DEPENDS_ON = "(the failure of "  # steps/probes/dependencies.py: a skip that names the failure it depends on
# A variant's run is judged by its JUnit outcomes alone: no living docs or traceability.html (~0.2 CPU s a run).
QUIET_REPORTS = ("--no-html-reports",)


def assert_fails(variant: Variant, run_features, stack_copy) -> RunResult:
    """Run the variant's selection against a stack broken by its changes: every selected scenario fails, or is
    skipped naming the failure it depends on (one defect, one failure), and at least one fails.

    On the running stack when every change is a fault it switches, else (or when a switched fault was lost
    during a run that did not fail as it must) on a fresh stack copy; the same assertions either way."""
    stacks = _running_stacks(run_features)
    running = _switched_run(variant, run_features)
    if running is not None:
        result, kept = running
        if kept or not _failure(variant, result):
            stacks.runs["switched"] += 1
            return _assert_failed(variant, result)
    if stacks is not None:
        stacks.runs["fresh again" if running is not None else "fresh"] += 1
    root = stack_copy()
    for change in variant.changes:
        change(root)
    result = run_features("--stack-dir", str(root), "-k", variant.selection, *QUIET_REPORTS,
                          env={"HARNESS_SERVICES": variant.services})
    return _assert_failed(variant, result)


def _running_stacks(run_features):
    """The process's running stacks, None where the runner has none (another target's, as compose's)."""
    return getattr(run_features, "running", None)


def switched_faults(variant: Variant, stack) -> list[Fault] | None:
    """The variant's faults if the running stack switches every one of them, else None (a fresh stack)."""
    faults = [change for change in variant.changes if isinstance(change, Fault)]
    if not faults or len(faults) != len(variant.changes):
        return None
    return faults if all(f.name in stack.switchable(f.service) for f in faults) else None


def _switched_run(variant: Variant, run_features) -> tuple[RunResult, bool] | None:
    """The selection run on the process's running stack with the variant's faults switched on, and whether
    every fault was still on after the run; None when the variant needs a fresh stack."""
    if not all(isinstance(change, Fault) for change in variant.changes) or _running_stacks(run_features) is None \
            or not all(change.name in declared_switchable(change.service) for change in variant.changes):
        return None  # decided without starting a stack; the running service's own list decides below
    stack = _running_stacks(run_features).get(variant.services)
    faults = switched_faults(variant, stack)
    if faults is None:
        return None
    try:
        for f in faults:
            assert f.name in stack.switch(f.service, f.name, True), f"{f.service} did not switch {f.name} on"
        result = run_features("--target", "external", "--target-file", str(stack.target_file), "-k", variant.selection,
                              *QUIET_REPORTS)
        kept = all(f.name in _active(stack, f.service) for f in faults)
    finally:
        for f in faults:
            try:
                stack.switch(f.service, f.name, False)
            except Exception:  # noqa: BLE001 - a service down after the run: the health check restarts the stack
                pass
    return result, kept


def _active(stack, service: str) -> set[str]:
    try:
        return stack.active(service)
    except Exception:  # noqa: BLE001 - the service is down after the run: its switched fault is lost
        return set()


def _failure(variant: Variant, result: RunResult) -> str | None:
    """Why the run does not show the variant failing its scenarios, None when it does."""
    try:
        _assert_failed(variant, result)
    except AssertionError as exc:
        return str(exc)[:200] or "not failed"
    return None


def _assert_failed(variant: Variant, result: RunResult) -> RunResult:
    outcomes = result.outcomes()
    assert outcomes, f"'{variant.selection}' selects no scenario:\n{result.output[-2000:]}"
    assert result.returncode == 1, result.output[-3000:]
    reasons = result.skip_reasons()
    dependent = {name for name, reason in reasons.items() if DEPENDS_ON in reason}
    assert "failed" in outcomes.values(), outcomes
    assert {n for n, state in outcomes.items() if state != "failed"} <= dependent, (outcomes, reasons)
    return result


def assert_all_pass(variants: dict[str, Variant], run_features, timeout: float = 240) -> list[str]:
    """The union of the variants' selections passed on the intact stack (the session's shared run, tests/intact.py)."""
    selection = " or ".join(f"({v.selection})" for v in variants.values())
    return run_features.intact_passed(selection, minimum=len(variants))


def assert_all_pass_in_own_run(variants: dict[str, Variant], run_features, timeout: float = 240) -> RunResult:
    """The union of the variants' selections passes in a run of its own (another target: compose)."""
    selection = " or ".join(f"({v.selection})" for v in variants.values())
    services = ",".join(sorted({s for v in variants.values() for s in v.services.split(",")}))
    result = run_features("-k", selection, env={"HARNESS_SERVICES": services}, timeout=timeout)
    outcomes = result.outcomes()
    assert len(outcomes) >= len(variants), outcomes
    assert result.returncode == 0, result.output[-3000:]
    assert set(outcomes.values()) == {"passed"}, outcomes
    return result


@functools.cache
def _collected() -> tuple[str, ...]:
    """Every scenario's node id, from one --collect-only per process (the coverage checks share it)."""
    listed = subprocess.run([sys.executable, "-m", "pytest", "features/", "--collect-only", "-q", *LEAN],
                            cwd=REPO, capture_output=True, text=True, timeout=300).stdout
    return tuple(line for line in listed.splitlines() if "::" in line)


def uncovered_scenarios(folder: str, variants: dict[str, Variant], minimum: int = 1,
                        also: Iterable[str] = ()) -> list[str]:
    """The scenarios (outlines) of features/<folder> (a folder or a .feature file) that no variant's selection names
    and no fragment of `also` (scenarios another test breaks) is part of."""
    prefix = f"features/{folder}" + ("::" if folder.endswith(".feature") else "/")
    scenarios = {line.split("::")[-1].split("[")[0] for line in _collected() if line.startswith(prefix)}
    assert len(scenarios) >= minimum, f"features/{folder}: {len(scenarios)} scenarios, fewer than {minimum}"
    selections = " ".join(v.selection for v in variants.values())
    words = {word for word in selections.replace("(", " ").replace(")", " ").split() if "_" in word} | set(also)
    return sorted(s for s in scenarios if not any(word in s for word in words))
