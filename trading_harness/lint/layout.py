"""The stack folder under lint: its compose services and the files they mount, names read from it.

Nothing here assumes the reference stack's names: what each service is comes from
stack_reader.kinds (the same table the run uses), its files through the compose volumes
(container path -> file in the folder), every file read through stack_reader.bounded.
"""
from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from trading_harness.definition import interpolate
from trading_harness.errors import StackConfigError
from trading_harness.stack_reader.bounded import COMPOSE_NAMES, compose_path, is_readable_file, list_files, read_lines
from trading_harness.stack_reader.kinds import Classification, Shape, classify, command_text
from trading_harness.stack_reader.yaml_doc import LinedYaml

INITDB_DIR = PurePosixPath("/docker-entrypoint-initdb.d")
SCRIPT_SUFFIXES = (".sh", ".bash")


@dataclass
class Service:
    """One compose service, raw, with the lines of its keys."""

    name: str
    raw: dict
    compose: LinedYaml

    def line(self, *path) -> int | None:
        return self.compose.line("services", self.name, *path)

    @property
    def image(self) -> str:
        return str(self.raw.get("image") or "")

    @property
    def shape(self) -> Shape:
        check = self.raw.get("healthcheck")
        restart = self.raw.get("restart")
        return Shape(self.name, self.image or None, self.command, _argv(self.raw.get("entrypoint")), self.environment,
                     command_text(check.get("test")) if isinstance(check, dict) else "",
                     None if restart is None else str(restart), self.name in self.compose_awaited(),
                     "build" in self.raw)

    def compose_awaited(self) -> set[str]:
        """Services others await with service_completed_successfully."""
        found = set()
        for raw in (self.compose.doc.get("services") or {}).values():
            depends = (raw or {}).get("depends_on") if isinstance(raw, dict) else None
            if isinstance(depends, dict):
                found |= {str(d) for d, spec in depends.items()
                          if isinstance(spec, dict) and spec.get("condition") == "service_completed_successfully"}
        return found

    @property
    def classification(self) -> Classification:
        return classify(self.shape)

    @property
    def kind(self) -> str:
        """The service's category (stack_reader.kinds): redis, postgres, prometheus, exporter, third-party, ..."""
        return self.classification.category

    @property
    def environment(self) -> dict[str, str]:
        env = self.raw.get("environment") or {}
        if isinstance(env, list):
            env = dict(str(item).split("=", 1) if "=" in str(item) else (str(item), "") for item in env)
        return {str(k): "" if v is None else interpolate(str(v)) for k, v in env.items()}

    def env_line(self, variable: str) -> int | None:
        env = self.raw.get("environment") or {}
        if isinstance(env, list):
            for index, item in enumerate(env):
                if str(item).split("=", 1)[0] == variable:
                    return self.line("environment", index)
        return self.line("environment", variable)

    @property
    def command(self) -> list[str]:
        return _argv(self.raw.get("command"))

    @property
    def ports(self) -> list[tuple[str, int | None, int]]:
        """(host ip, host port or None, container port) per `ports:` entry."""
        result = []
        for entry in self.raw.get("ports") or []:
            if isinstance(entry, dict):
                published = entry.get("published")
                result.append((str(entry.get("host_ip", "0.0.0.0")), int(published) if published else None,
                               int(entry["target"])))
                continue
            parts = str(entry).split("/")[0].split(":")
            if not all(p.isdigit() for p in parts[-2:] if p) or not parts[-1].isdigit():
                continue  # a range or an interpolation: not checkable here
            if len(parts) == 1:
                result.append(("0.0.0.0", None, int(parts[0])))
            elif len(parts) == 2:
                result.append(("0.0.0.0", int(parts[0]), int(parts[1])))
            else:
                result.append((":".join(parts[:-2]), int(parts[-2]), int(parts[-1])))
        return result

    @property
    def container_ports(self) -> set[int]:
        """Ports the service listens on inside its network: published targets and `expose:`."""
        exposed = {int(str(p).split("/")[0]) for p in self.raw.get("expose") or [] if str(p).split("/")[0].isdigit()}
        return {target for _, _, target in self.ports} | exposed

    @property
    def host_ports(self) -> set[int]:
        return {published for _, published, _ in self.ports if published}

    def volumes(self, root: Path) -> list[tuple[PurePosixPath, Path]]:
        """(container path, local path) per bind mount of a path in the stack folder."""
        mounts = []
        for entry in self.raw.get("volumes") or []:
            if isinstance(entry, dict):
                source, target = entry.get("source"), entry.get("target")
            else:
                parts = str(entry).split(":")
                source, target = (parts[0], parts[1]) if len(parts) >= 2 else (None, parts[0])
            if source and target and source.startswith((".", "/")):
                mounts.append((PurePosixPath(target), Path(os.path.normpath(root / source))))
        return mounts

    def local_file(self, root: Path, container_path: str) -> Path | None:
        """The stack-folder file mounted at `container_path`, if a volume mounts it."""
        wanted = PurePosixPath(container_path)
        for target, local in self.volumes(root):
            if wanted == target:
                return local
            if target in wanted.parents:
                return local / wanted.relative_to(target)
        return None


@dataclass
class StackLayout:
    root: Path
    compose: LinedYaml
    services: dict[str, Service]

    @classmethod
    def read(cls, root: Path | str) -> StackLayout:
        root = Path(root).resolve()
        if not root.is_dir():
            raise StackConfigError(f"stack directory {root} does not exist (pass --stack-dir DIR)")
        compose_file = compose_path(root)
        if compose_file is None:
            raise StackConfigError(f"{root} has no compose file ({', '.join(COMPOSE_NAMES)})")
        compose = LinedYaml(compose_file)
        if not isinstance(compose.doc, dict) or not isinstance(compose.doc.get("services"), dict):
            raise StackConfigError(f"{compose_file}: expected a top-level 'services:' mapping")
        services = {str(name): Service(str(name), raw or {}, compose) for name, raw in compose.doc["services"].items()}
        return cls(root, compose, services)

    @property
    def compose_file(self) -> Path:
        return self.compose.path

    def of_kind(self, kind: str) -> list[Service]:
        return [s for s in self.services.values() if s.kind == kind]

    # -- Redis files ---------------------------------------------------------------
    def redis_conf(self, service: Service) -> Path | None:
        for arg in service.command:
            if arg.endswith(".conf"):
                return service.local_file(self.root, arg) or _existing(self.root / arg)
        return None

    def acl_file(self, service: Service, conf: Path | None) -> Path | None:
        command = service.command
        if "--aclfile" in command[:-1]:
            return service.local_file(self.root, command[command.index("--aclfile") + 1])
        if conf and is_readable_file(conf):
            for line in read_lines(conf):
                parts = line.split()
                if len(parts) == 2 and parts[0].lower() == "aclfile":
                    return service.local_file(self.root, parts[1].strip('"')) or _existing(self.root / parts[1])
        return None

    # -- PostgreSQL files ----------------------------------------------------------
    def init_scripts(self, service: Service) -> list[Path]:
        """The files the image's entrypoint runs, in its order (sorted by name)."""
        files: dict[str, Path] = {}
        for target, local in service.volumes(self.root):
            if target == INITDB_DIR and local.is_dir():
                files.update({p.name: p for p in list_files(local)})
            elif target.parent == INITDB_DIR and is_readable_file(local):
                files[target.name] = local
        return [files[name] for name in sorted(files)]

    def postgres_conf(self, service: Service) -> Path | None:
        for arg in service.command:
            match = re.match(r"config_file=(.+)", arg)
            if match:
                return service.local_file(self.root, match[1])
        return None

    # -- scripts -------------------------------------------------------------------
    def scripts(self) -> list[Path]:
        """The stack's own shell scripts (validation, management), outside the init folders."""
        init = {p for s in self.of_kind("postgres") for p in self.init_scripts(s)}
        return sorted(p for p in self.root.rglob("*") if p.suffix in SCRIPT_SUFFIXES and p.is_file() and p not in init)


def _existing(path: Path) -> Path | None:
    return path if is_readable_file(path) else None


def _argv(command) -> list[str]:
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError:
            return command.split()
    return [str(c) for c in command or []] if isinstance(command, list) else []
