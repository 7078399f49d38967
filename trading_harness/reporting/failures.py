"""Why a scenario failed, for the living docs: message, category, evidence, log tails and how to rerun it.

The category comes from the exception type and where it was raised:
- environment: the stack or a tool could not be used (HarnessError and kin), or a service gave no answer in time;
- stack defect: the data layer answered wrongly (Redis ACLs, PostgreSQL roles and schemas, the stack's files);
- service defect: a simulator's API answered wrongly (HTTP, gRPC);
- harness defect: an unexpected error in the harness's own code (a step, a probe, a fixture).
"""
from __future__ import annotations

import shlex
from pathlib import Path

from trading_harness.masking import mask

STACK, SERVICE, HARNESS, ENVIRONMENT = "stack defect", "service defect", "harness defect", "environment"
CATEGORIES = {
    STACK: "the data layer (Redis ACLs, PostgreSQL roles and schemas, the stack's files) answered wrongly",
    SERVICE: "a service's API (HTTP or gRPC) answered wrongly",
    HARNESS: "an unexpected error in the harness's own code: fix the step or probe, not the stack",
    ENVIRONMENT: "the stack, a tool or the machine could not be used, or a service gave no answer in time",
}
MESSAGE_LIMIT = 20_000
TRACEBACK_LIMIT = 40_000
EVIDENCE_LAST = 50
ENVIRONMENT_ERRORS = {"HarnessError", "StackStartError", "TargetUnreachable", "MissingBinary", "StackConfigError",
                      "ControlUnsupported", "TimeoutError", "TimeoutException", "ConnectTimeout", "ReadTimeout",
                      "WriteTimeout", "PoolTimeout", "ConnectError", "ConnectionError", "ConnectionRefusedError",
                      "ConnectionResetError", "RemoteProtocolError", "BusyLoadingError", "timeout"}
CONTRACT_ERRORS = {"AssertionError", "Failed", "DeadlineExceeded"}
STACK_KINDS = {"redis", "sql"}
# Modules whose own errors mean the component behind them answered (wrongly).
STACK_MODULES = ("redis.", "psycopg.")
SERVICE_MODULES = ("grpc", "httpx.HTTPStatusError")
HARNESS_DIRS = ("steps", "fixtures", "trading_harness", "tests", "conftest.py")
# Options of the run that the rerun command keeps (the stack under test and where reports go).
KEPT_OPTIONS = ("--target", "--stack-dir", "--profile", "--target-file", "--catalogue")


def exception_names(exc: BaseException) -> list[str]:
    """The exception's class and its bases, as module.Name and Name."""
    names = []
    for cls in type(exc).__mro__:
        names += [cls.__name__, f"{cls.__module__}.{cls.__qualname__}"]
    return names


def repo_frames(traceback, root: Path) -> list[str]:
    """'path:line in function' of each frame inside the project, outermost first."""
    found = []
    for entry in traceback or ():
        try:
            path = Path(str(entry.path)).resolve()
            rel = path.relative_to(root.resolve()).as_posix()
        except (ValueError, OSError, TypeError):
            continue
        if rel.startswith(".venv/"):
            continue
        found.append(f"{rel}:{entry.lineno + 1} in {entry.name}")
    return found


def categorize(names: list[str], message: str, where: str | None, kinds: list[str], tags: list[str]) -> str:
    """One of the four categories (see the module doc); `kinds` are the evidence kinds, last one last."""
    short = {n.rsplit(".", 1)[-1] for n in names}
    if short & ENVIRONMENT_ERRORS or "stack is not usable" in message:
        return ENVIRONMENT
    if any(n.startswith(STACK_MODULES) for n in names):
        return STACK
    if any(n.startswith(SERVICE_MODULES) for n in names):
        return SERVICE
    if short & CONTRACT_ERRORS:
        if kinds:
            return STACK if kinds[-1] in STACK_KINDS else SERVICE
        return STACK if {"redis", "postgres", "acl", "stack"} & set(tags) else SERVICE
    if where is None or where.startswith(HARNESS_DIRS):
        return HARNESS
    return SERVICE if where.startswith("simulators") else HARNESS


def rerun_command(nodeid: str, options: dict[str, str | None]) -> str:
    """The command that reruns just this scenario against the same stack."""
    argv = ["pytest", "-p", "no:cacheprovider", nodeid]
    for name in KEPT_OPTIONS:
        if options.get(name):
            argv += [name, str(options[name])]
    return mask(shlex.join(argv))


def describe(excinfo, longrepr_text: str, phase: str, root: Path, evidence, logs: list[tuple[str, str]],
             tags: list[str], example: dict | None, rerun: str) -> dict:
    """Everything the "Why it failed" panel shows, masked and bounded, as plain data (sent by xdist workers)."""
    exc = excinfo.value if excinfo is not None else None
    names = exception_names(exc) if exc is not None else []
    frames = repo_frames(excinfo.traceback if excinfo is not None else None, root)
    where = frames[-1] if frames else None
    exchanges = list(getattr(evidence, "exchanges", None) or [])[-EVIDENCE_LAST:]
    message = mask(_message(exc, longrepr_text))[:MESSAGE_LIMIT]
    category = categorize(names, message, where, [e.kind for e in exchanges], tags)
    who = list(dict.fromkeys(e.who for e in exchanges if getattr(e, "who", None)))
    return {"phase": phase, "exception": type(exc).__name__ if exc is not None else "",
            "message": message, "where": where, "frames": frames[-8:],
            "category": category, "category_why": CATEGORIES[category],
            "who": who, "example": dict(example or {}),
            "evidence": [{"kind": e.kind, "who": getattr(e, "who", None), "request": e.request, "reply": e.reply}
                         for e in exchanges],
            "logs": [{"name": name, "text": mask(text)} for name, text in logs],
            "traceback": mask(longrepr_text or "")[-TRACEBACK_LIMIT:], "rerun": rerun}


def _message(exc: BaseException | None, longrepr_text: str) -> str:
    if exc is not None:
        text = str(exc).strip()
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    lines = [line for line in (longrepr_text or "").splitlines() if line.startswith("E ")]
    return "\n".join(line[2:].strip() for line in lines) or (longrepr_text or "").strip()
