"""Facts about the run for environment.properties and the living docs: target, versions, commit, CI build."""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from trading_harness.targets.stack import Stack

TIMEOUT = 3.0


def server_versions(stack: Stack) -> dict[str, str]:
    """Redis and PostgreSQL versions as the running servers report them (empty when they cannot say)."""
    found: dict[str, str] = {}
    try:
        import redis
        client = redis.Redis.from_url(stack.redis_url(stack.definition.profile.user("admin")), socket_timeout=TIMEOUT,
                                      socket_connect_timeout=TIMEOUT)
        try:
            found["redis_version"] = str(client.info("server").get("redis_version", ""))
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - a fact we could not read is left out
        pass
    try:
        import psycopg
        with psycopg.connect(stack.postgres_dsn(), connect_timeout=int(TIMEOUT)) as conn:
            found["postgres_version"] = str(conn.execute("SHOW server_version").fetchone()[0])
    except Exception:  # noqa: BLE001
        pass
    images = getattr(stack, "images", None)
    if isinstance(images, dict) and images:
        found["images"] = {str(k): str(v) for k, v in images.items()}
    return found


def git_commit(root: Path) -> str:
    """HEAD's commit, with '-dirty' when the work tree has changes; 'unknown' outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=TIMEOUT, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=TIMEOUT).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def properties(stacks: list[dict], root: Path) -> dict[str, str]:
    first = stacks[0] if stacks else {}
    return {
        "target": first.get("target", "not started"),
        "redis.version": first.get("redis_version", ""),
        "postgresql.version": first.get("postgres_version", ""),
        "python.version": platform.python_version(),
        "git.commit": git_commit(root),
        "stack.startup.seconds": ", ".join(f"{s['startup_seconds']:.3f}" for s in stacks
                                           if s.get("startup_seconds") is not None),
    }


TOOLS = ("pytest", "pytest-bdd", "allure-pytest-bdd", "pytest-xdist", "redis", "psycopg", "grpcio", "httpx")
COMMANDS = {"redis-server": ["redis-server", "--version"], "docker": ["docker", "--version"]}


def tool_versions() -> dict[str, str]:
    """Python, the harness's Python packages and the server binaries it runs, as installed here."""
    found = {"python": platform.python_version()}
    for name in TOOLS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    for name, argv in COMMANDS.items():
        if not shutil.which(argv[0]):
            continue
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out:
            found[name] = out.splitlines()[0][:120]
    return found


def ci_build_url(env: dict[str, str] | None = None) -> str | None:
    """The CI build that ran this: GitHub Actions, GitLab CI or Jenkins; None outside CI."""
    env = os.environ if env is None else env
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
        return f"{env['GITHUB_SERVER_URL'].rstrip('/')}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or env.get("BUILD_URL") or None
