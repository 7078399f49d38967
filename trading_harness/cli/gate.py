"""`harness gate merge DIR... [--reports-dir OUT]`: one milestone verdict over every shard of a run.

Each DIR is the reports folder of one `pytest features/ --shard I/N` run. The gate table goes to
stdout; the exit status is the unsharded run's: 0 PASS, 1 FAIL, 6 INCOMPLETE (a shard that never
reported, a scenario no shard ran), 2 when the folders cannot be read.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from trading_harness.paths import project_root


def add_parser(sub) -> None:
    parser = sub.add_parser("gate", help="the milestone gate over the reports of a sharded run")
    actions = parser.add_subparsers(dest="gate_command", required=True)
    merging = actions.add_parser("merge", help="one verdict over the shards' reports folders; writes the merged "
                                               "gate, Cucumber JSON, JUnit, Allure results, traceability, living docs")
    merging.add_argument("folders", nargs="+", metavar="DIR", help="a shard's reports folder (one per shard)")
    merging.add_argument("--reports-dir", "-o", default=None, help="where the merged reports go (default reports/)")
    merging.add_argument("--catalogue", default=None, help="milestone catalogue (default features/milestones.yml)")
    merging.add_argument("--features", default=None, help="the features folder the shards ran (default features/)")
    merging.add_argument("--strict", action="store_true", help="@hardening scenarios and flaky passes count (as a run's --strict)")
    merging.add_argument("--gate-allow-incomplete", action="store_true", default=None,
                         help="INCOMPLETE does not fail (FAIL still does); env HARNESS_GATE_ALLOW_INCOMPLETE=1")
    parser.set_defaults(run=run)


def run(args) -> int:
    root = project_root()
    allow = args.gate_allow_incomplete if args.gate_allow_incomplete is not None \
        else os.environ.get("HARNESS_GATE_ALLOW_INCOMPLETE", "").strip().lower() in ("1", "true", "yes", "on")
    out = Path(args.reports_dir or root / "reports")
    from trading_harness.reporting import gate, merge  # pytest and the report writers: only for this command

    result = merge.merge([Path(f) for f in args.folders], out,
                         Path(args.catalogue or root / "features" / "milestones.yml"),
                         Path(args.features or root / "features"), strict=args.strict, allow_incomplete=allow)
    for line in gate.render(result.gate, width=shutil.get_terminal_size((100, 20)).columns - 1):
        print(line)
    print(f"merged {len(result.shards)} shard(s) into {out}: gate.json, cucumber.json, junit.xml, allure-results, "
          "traceability, living-docs")
    return result.exit_status
