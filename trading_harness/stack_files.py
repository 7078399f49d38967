"""Where a stack folder keeps its Redis and PostgreSQL files: read from the compose file's bind mounts.

The reference layout (redis/redis.conf, redis/users.acl, postgres/init/, postgres/postgresql.conf)
is the fallback; a foreign stack's own layout is found the way its containers find it: the
redis-server command's config file and its `aclfile`, the postgres image's
/docker-entrypoint-initdb.d and `config_file=`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from trading_harness.stack_reader.bounded import read_lines

INITDB_DIR = "/docker-entrypoint-initdb.d"


@dataclass(frozen=True)
class StackFiles:
    redis_conf: Path
    acl_file: Path
    init_dir: Path
    postgres_conf: Path | None


def host_path(volumes: list, container_path: str, root: Path) -> Path | None:
    """The host file behind a container path, through the service's bind mounts (None when not mounted)."""
    for mount in volumes:
        if not mount.is_bind:
            continue
        source, target = mount.source, mount.target.rstrip("/")
        if container_path == target:
            return _normal(root / source)
        if container_path.startswith(target + "/"):
            return _normal(root / source / container_path[len(target) + 1:])
    return None


def locate(root: Path, redis, postgres) -> StackFiles:
    """The stack's files, from the redis and postgres ServiceSpecs (either may be None)."""
    redis_conf = _mounted(redis, _first(redis, lambda a: a.endswith(".conf")), root) or root / "redis" / "redis.conf"
    acl = _option(redis, "--aclfile") or _directive(redis_conf, "aclfile")
    acl_file = _mounted(redis, acl, root) or root / "redis" / "users.acl"
    init_dir = _mounted(postgres, INITDB_DIR, root) or root / "postgres" / "init"
    config = _first(postgres, lambda a: a.startswith("config_file="))
    postgres_conf = _mounted(postgres, config.split("=", 1)[1] if config else None, root)
    if postgres_conf is None and (root / "postgres" / "postgresql.conf").is_file():
        postgres_conf = root / "postgres" / "postgresql.conf"
    return StackFiles(redis_conf, acl_file, init_dir, postgres_conf)


def _mounted(spec, container_path: str | None, root: Path) -> Path | None:
    if spec is None or not container_path:
        return None
    return host_path(spec.volumes, container_path, root)


def _first(spec, test) -> str | None:
    return next((a for a in (spec.command if spec else []) if test(a)), None)


def _option(spec, flag: str) -> str | None:
    command = spec.command if spec else []
    return command[command.index(flag) + 1] if flag in command[:-1] else None


def _directive(path: Path, name: str) -> str | None:
    if not path.is_file():
        return None
    value = None
    for line in read_lines(path):
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == name:
            value = parts[1].strip().strip('"')
    return value


def _normal(path: Path) -> Path:
    """The path with `..` folded, links not followed (a symlink loop is named when the file is read)."""
    return Path(os.path.normpath(os.path.abspath(path)))
