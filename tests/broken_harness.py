"""The `harness` command with one deliberate defect, for the tests that prove scenarios can fail.

    python tests/broken_harness.py <defect> [harness arguments...]

The scenarios run it when HARNESS_COMMAND names it (steps/probes/harness_command.py).
"""
from __future__ import annotations

import contextlib
import io
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trading_harness.cli import journal, main  # noqa: E402
from trading_harness.cli import topology as topology_cli  # noqa: E402


def _start_silent() -> None:
    original = main.cmd_start

    def start(args, state):
        with contextlib.redirect_stdout(io.StringIO()):
            return original(args, state)
    main.cmd_start = start


def _status_always_running() -> None:
    original = main._attached

    def attached(state, stack_dir):
        stack = original(state, stack_dir)
        stack.is_running = lambda name: True
        return stack
    main._attached = attached


def _health_skips_infrastructure() -> None:
    def health(args, state):
        stack = main._attached(state, args.stack_dir)
        checked = [main.health.check(stack, name) for name in stack.services
                   if stack.definition.services[name].kind == "python"]
        for name, result in zip([n for n in stack.services if stack.definition.services[n].kind == "python"], checked):
            print(f"{'OK  ' if result.ok else 'FAIL'} {name:<20} {result.detail}")
        return 0 if all(result.ok for result in checked) else 1
    main.cmd_health = health


def _health_always_ok() -> None:
    original = main.cmd_health
    main.cmd_health = lambda args, state: (original(args, state), 0)[1]


def _logs_ignore_service() -> None:
    original = main.cmd_logs

    def logs(args, state):
        args.service = None
        return original(args, state)
    main.cmd_logs = logs


def _logs_first_only() -> None:
    original = main.cmd_logs

    def logs(args, state):
        args.service = args.service or "redis"
        return original(args, state)
    main.cmd_logs = logs


def _validate_always_passes() -> None:
    original = main.cmd_validate
    main.cmd_validate = lambda args, state: (original(args, state), 0)[1]


def _validate_selects_nothing() -> None:
    original = main.cmd_validate

    def validate(args, state):
        args.pytest_args = [*args.pytest_args, "-m", "no-such-milestone"]
        return original(args, state)
    main.cmd_validate = validate


def _stop_deletes_data() -> None:
    original = main.cmd_stop

    def stop(args, state):
        code = original(args, state)
        state.remove_data()
        return code
    main.cmd_stop = stop


def _restart_only_stops() -> None:
    main.cmd_restart = main.cmd_stop


def _clean_keeps_data() -> None:
    main.cmd_clean = main.cmd_stop


def _journal_warns_about_the_other_file() -> None:
    original = journal.check

    def check(repo):
        report = original(repo)
        for name in journal.JOURNALS:
            if name not in report.journals:
                report.warnings.append(f"{name} not found")
        return report
    journal.check = check


def _journal_needs_todo_md() -> None:
    journal.JOURNALS = ("TODO.md",)


def _journal_accepts_anything() -> None:
    original = journal.check

    def check(repo):
        report = original(repo)
        report.errors.clear()
        return report
    journal.check = check


def _topology_unsorted() -> None:
    original = topology_cli.render

    def render(topology):
        edges = list(topology["edges"])
        random.shuffle(edges)
        return original({**topology, "edges": edges})
    topology_cli.render = render


def _topology_invalid() -> None:
    original = topology_cli.generate

    def generate(compose_file):
        topology = original(compose_file)
        return {**topology, "nodes": [{k: v for k, v in node.items() if k != "kind"} for node in topology["nodes"]]}
    topology_cli.generate = generate
    topology_cli.validate = lambda topology: None


def _topology_drops_a_node() -> None:
    original = topology_cli.generate

    def generate(compose_file):
        topology = original(compose_file)
        return {**topology, "nodes": topology["nodes"][1:]}
    topology_cli.generate = generate
    topology_cli.validate = lambda topology: None


def _topology_dangling_edge() -> None:
    original = topology_cli.generate

    def generate(compose_file):
        topology = original(compose_file)
        edge = {**topology["edges"][0], "id": "ghost->nowhere", "source": "ghost", "target": "nowhere"}
        return {**topology, "edges": [*topology["edges"], edge]}
    topology_cli.generate = generate
    topology_cli.validate = lambda topology: None


DEFECTS = {name[1:].replace("_", "-"): fn for name, fn in dict(globals()).items()
           if name.startswith("_") and not name.startswith("__") and callable(fn)}

if __name__ == "__main__":
    DEFECTS[sys.argv[1]]()
    sys.exit(main.main(sys.argv[2:]))
