"""Split a run's scenarios across N shards, each feature file whole, balanced by stored durations; and order
them, whole files heaviest first, for a pool of xdist workers (fixtures/run_order.py).

The duration file is pytest-split's format (`{nodeid: seconds}`), written by every unsharded
features run to reports/durations.json. pytest-split itself splits per test (its
`least_duration`) or in collection-order chunks that may cut a file, so it cannot keep a
feature file (and its Background) together: this module does the same greedy balancing over
whole files. Every machine computes the same split from the same collection and durations.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from trading_harness.errors import HarnessError

SHARD_FILE = "shard.json"
DURATIONS_FILE = "durations.json"
DEFAULT_SECONDS = 1.0  # a scenario with no stored duration weighs the mean of those known, or this
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        match = _SPEC.match(text or "")
        if not match:
            raise HarnessError(f"--shard {text!r}: expected I/N, e.g. --shard 2/4")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise HarnessError(f"--shard {text}: I must be between 1 and N ({count})")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def read_durations(path: Path) -> dict[str, float]:
    """nodeid -> seconds; a missing or unreadable file gives none (the split is then by count)."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    if isinstance(data, list):  # pytest-split's older list-of-pairs form
        data = dict(data)
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def write_durations(path: Path, measured: dict[str, float]) -> Path:
    """Add this run's durations to the file (pytest-split's merge: new values replace old ones)."""
    durations = read_durations(path)
    durations.update({k: round(v, 3) for k, v in measured.items()})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(durations, sort_keys=True, indent=4))
    return Path(path)


def assign(groups: dict[str, list[str]], durations: dict[str, float], count: int) -> list[list[str]]:
    """Group names per shard: the heaviest group first onto the lightest shard (ties: name, shard number)."""
    weight = _weights(groups, durations)
    shards: list[list[str]] = [[] for _ in range(count)]
    load = [0.0] * count
    for name in sorted(groups, key=lambda g: (-weight[g], g)):
        lightest = min(range(count), key=lambda i: (load[i], i))
        shards[lightest].append(name)
        load[lightest] += weight[name]
    return shards


def heaviest_files_first(nodeids: list[str], durations: dict[str, float]) -> list[int]:
    """The positions of `nodeids` in run order for a worker pool: the heaviest feature file first, each file's
    scenarios together and in their order. Workers that take scenarios in this order end on light ones, so that
    none is left alone with a long file at the end (longest processing time first)."""
    groups: dict[str, list[str]] = {}
    for nodeid in nodeids:
        groups.setdefault(feature_of(nodeid), []).append(nodeid)
    weight = _weights(groups, durations)
    place = {name: i for i, name in enumerate(groups)}
    return sorted(range(len(nodeids)), key=lambda i: (-weight[feature_of(nodeids[i])], place[feature_of(nodeids[i])], i))


def _weights(groups: dict[str, list[str]], durations: dict[str, float]) -> dict[str, float]:
    """Each group's stored seconds; a scenario with none weighs the mean of those known."""
    known = [durations[n] for ids in groups.values() for n in ids if n in durations]
    default = sum(known) / len(known) if known else DEFAULT_SECONDS
    return {name: sum(durations.get(n, default) for n in ids) for name, ids in groups.items()}


def feature_of(nodeid: str) -> str:
    """The group of a test: its file (a feature's generated module), which keeps a Background together."""
    return nodeid.split("::", 1)[0]
