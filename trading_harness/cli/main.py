"""`harness`: keep a stack up for manual exploration, like the seeds' manage-infrastructure.sh.

    harness start [--target compose]   start the embedded (default) or compose stack in the background
    harness stop             stop it; its data stays in the state dir for the next start
    harness restart          stop, then start again (the data stays)
    harness clean            stop it, remove its data, and remove what killed harness runs left
                             (compose stacks, data directories)
    harness status           which services run, and where
    harness health           health check of every service (exit 1 if one fails)
    harness logs [service]   tail of the service logs
    harness validate [...]   run the TSE-0001.3a features against the running stack
    harness scenario ...     chaos scenarios: list, run NAME|FILE, status, reset (see cli/scenario.py)
    harness report           Allure HTML report of the last features run (the first run downloads
                             allure-commandline from the npm registry; offline after that)
    harness journal-check    TODO.md or TODO-MASTER.md in a repository (trading_harness/cli/journal.py)
    harness topology         topology.json from the compose file (trading_harness/cli/topology.py)
    harness lint             static checks of a stack definition (trading_harness/lint/)
    harness gate merge DIR.. one milestone verdict over the reports of a sharded run (cli/gate.py)
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from trading_harness.cli import gate, journal, scenario, topology
from trading_harness.cli.daemon import StateDir, running_definition
from trading_harness.definition import StackDefinition
from trading_harness.errors import HarnessError
from trading_harness.lint import cli as lint_cli
from trading_harness.masking import mask
from trading_harness.paths import project_root
from trading_harness.reporting import report
from trading_harness.targets import STARTABLE
from trading_harness.targets.external import ExternalStack

START_TIMEOUT = 60.0
POLL_INTERVAL = 0.1


def _attached(state: StateDir, stack_dir: str | None) -> ExternalStack:
    if not state.daemon_pid() or not state.target.is_file():
        raise HarnessError(f"no stack is running (state in {state.path}); start one with `harness start`")
    return ExternalStack.from_file(running_definition(state, stack_dir), state.target)


def cmd_start(args, state: StateDir) -> int:
    if state.daemon_pid():
        print(f"already running (pid {state.daemon_pid()}); target file: {state.target}")
        return 0
    StackDefinition.load(args.stack_dir)  # fail fast, in this terminal, on a bad definition
    state.path.mkdir(parents=True, exist_ok=True)
    for stale in (state.target, state.error):
        stale.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "trading_harness.cli.daemon", "--state-dir", str(state.path), "--target", args.target]
    if args.stack_dir:
        argv += ["--stack-dir", str(Path(args.stack_dir).resolve())]
    with open(state.log, "ab") as log:
        daemon = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                  cwd=project_root(), start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT * (4 if args.target == "compose" else 1)
    while time.monotonic() < deadline:
        if state.target.is_file():
            return cmd_status(args, state)
        if daemon.poll() is not None:
            reason = state.error.read_text() if state.error.is_file() else f"see {state.log}"
            raise HarnessError(f"the {args.target} stack did not start: {reason}")
        time.sleep(POLL_INTERVAL)
    daemon.terminate()
    raise HarnessError(f"the {args.target} stack was not up after {deadline - time.monotonic() + START_TIMEOUT:.0f}s; "
                       f"see {state.log}")


def cmd_stop(args, state: StateDir) -> int:
    pid = state.daemon_pid()
    if not pid:
        print("not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and state.daemon_pid():
        time.sleep(POLL_INTERVAL)
    if state.daemon_pid():
        os.kill(pid, signal.SIGKILL)  # its servers die with it (parent-death signal)
    print(f"stopped; data kept in {state.data}" if state.data.exists() else "stopped")
    return 0


def cmd_restart(args, state: StateDir) -> int:
    args.target = args.target or state.target_name()
    cmd_stop(args, state)
    return cmd_start(args, state)


def cmd_clean(args, state: StateDir) -> int:
    cmd_stop(args, state)
    removed = state.remove_data()
    print(f"removed {removed}" if removed else "no data to remove")
    return _reap_leftovers()


def cmd_status(args, state: StateDir) -> int:
    stack = _attached(state, args.stack_dir)
    print(f"{state.target_name()} stack (daemon pid {state.daemon_pid()}); target file: {state.target}")
    for name in stack.services:
        address = stack.address(name)
        running = "running" if stack.is_running(name) else "stopped"
        print(f"  {name:<20} {running:<8} {address.host}:{address.port}")
    return 0


def cmd_health(args, state: StateDir) -> int:
    from trading_harness.targets import health  # Redis and PostgreSQL clients: 0.15 s the other commands skip
    stack = _attached(state, args.stack_dir)
    failed = 0
    for name in stack.services:
        result = health.check(stack, name)
        failed += not result.ok
        print(f"{'OK  ' if result.ok else 'FAIL'} {name:<20} {result.detail}")
    return 1 if failed else 0


def cmd_logs(args, state: StateDir) -> int:
    stack = _attached(state, args.stack_dir)
    for name in [args.service] if args.service else stack.services:
        print(f"--- {name} ---")
        print(mask(stack.logs(name, args.lines)))
    return 0


def cmd_validate(args, state: StateDir) -> int:
    _attached(state, args.stack_dir)
    # the checks need no hypothesis plugin (schemathesis and anyio are off in every run: pyproject.toml's addopts)
    argv = [sys.executable, "-m", "pytest", "features/", "-p", "no:hypothesispytest", "-m", "TSE-0001.3a", "--target", "external",
            "--target-file", str(state.target), *args.pytest_args]
    if args.stack_dir:
        argv += ["--stack-dir", args.stack_dir]
    return subprocess.call(argv, cwd=project_root())


def _reap_leftovers() -> int:
    """Compose stacks whose owner process is gone, and embedded data directories likewise."""
    import tempfile

    from trading_harness.workdirs import sweep_stale_workdirs, temp_base
    removed = [f"data directory {p}" for p in sweep_stale_workdirs(temp_base() or tempfile.gettempdir())]
    try:
        from trading_harness.docker_engine import client
        from trading_harness.targets.compose_owner import reap
        removed += reap(client(timeout=30))
    except HarnessError as exc:
        print(f"compose: skipped ({exc})")
    for thing in removed:
        print(f"removed {thing}")
    print(f"clean: {len(removed)} removed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", help="where the running stack's files live (default ~/.cache/trading-harness)")
    parser.add_argument("--stack-dir", help="stack definition directory (default: stack/)")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the stack in the background")
    start.add_argument("--target", choices=STARTABLE, default="embedded",
                       help="local processes (default) or Docker Compose")
    sub.add_parser("stop", help="stop it; the data stays for the next start")
    restart = sub.add_parser("restart", help="stop, then start again (the data stays)")
    restart.add_argument("--target", choices=STARTABLE, default=None,
                         help="default: the target that was running")
    sub.add_parser("clean", help="stop it, remove its data, and remove compose stacks and data directories "
                                 "whose harness process is gone")
    sub.add_parser("status", help="which services run, and where")
    sub.add_parser("health", help="health check of every service")
    logs = sub.add_parser("logs", help="tail of the service logs")
    logs.add_argument("service", nargs="?")
    logs.add_argument("-n", "--lines", type=int, default=50)
    sub.add_parser("validate", help="run the TSE-0001.3a features against the running stack; "
                                    "further arguments go to pytest")
    report.add_parser(sub)
    for module in (journal, topology, gate):
        module.add_parser(sub)  # each sets args.run
    lint_cli.add_parser(sub)
    scenario.add_parser(sub)
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "validate":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    state = StateDir(args.state_dir)
    commands = {"start": cmd_start, "stop": cmd_stop, "status": cmd_status, "health": cmd_health,
                "logs": cmd_logs, "validate": cmd_validate, "report": lambda args, _state: report.main(args),
                "restart": cmd_restart, "clean": cmd_clean, "lint": lambda args, _state: lint_cli.main(args),
                "scenario": lambda args, state: scenario.main(
                    args, lambda: _attached(state, args.stack_dir).http_url(scenario.COORDINATOR))}
    try:
        return commands[args.command](args, state) if args.command in commands else args.run(args)
    except HarnessError as exc:
        print(f"harness: {mask(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
