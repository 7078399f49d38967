"""The per-instance volumes of TSE-0001.12.0, read from the stack's own compose services.

What the seeds ask, in whatever names the stack uses: every instance (a service with
SERVICE_INSTANCE_NAME) mounts ./volumes/<instance>/data and ./volumes/<instance>/logs of its own; a
one-shot step (restart "no", or awaited with service_completed_successfully) runs a script from the
stack folder into ./volumes for every instance, gives the directories to the user the instances'
image runs as, and every instance waits for it to complete. The step's variables, the script's
place in the container and the mount targets are the stack's own choice.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from trading_harness.definition import ServiceSpec
from trading_harness.stack_reader.bounded import read_text
from trading_harness.stack_reader.owners import user_ids

COMPLETED = "service_completed_successfully"
VOLUMES = "volumes"
KINDS = ("data", "logs")


def instances(services: dict[str, ServiceSpec]) -> dict[str, str]:
    """compose service -> SERVICE_INSTANCE_NAME, for every service that names its instance."""
    return {name: spec.environment["SERVICE_INSTANCE_NAME"] for name, spec in services.items()
            if spec.environment.get("SERVICE_INSTANCE_NAME")}


def _source(mount) -> str:
    return os.path.normpath(mount.source) if mount.source else ""


def _writes_volumes(spec: ServiceSpec) -> bool:
    return any(m.is_bind and _source(m) == VOLUMES and not m.read_only for m in spec.volumes)


def volume_init(services: dict[str, ServiceSpec]) -> tuple[str, ServiceSpec]:
    """The one one-shot step that writes ./volumes; AssertionError naming what was found otherwise."""
    assert instances(services), "no service names its instance (SERVICE_INSTANCE_NAME): the stack has no instances"
    found = {n: s for n, s in services.items() if s.one_shot and _writes_volumes(s)}
    assert len(found) == 1, (f"expected one one-shot step (restart \"no\" or awaited to complete) that mounts "
                             f"./volumes writable, found {sorted(found) or 'none'}")
    return next(iter(found.items()))


def script(root: Path, spec: ServiceSpec) -> tuple[str, Path | None]:
    """(the script's path in the container, the stack file mounted there or None)."""
    words = [w for w in spec.entrypoint + spec.command if w.endswith(".sh")]
    if not words:
        return "", None
    for mount in spec.volumes:
        if mount.is_bind and mount.target == words[0]:
            return words[0], (root / mount.source).resolve()
    return words[0], None


def init_problems(root: Path, services: dict[str, ServiceSpec]) -> list[str]:
    """What keeps the step from initialising every instance's directories from the stack's own script."""
    name, spec = volume_init(services)
    where, path = script(root, spec)
    if not where:
        return [f"{name}: runs no script (a .sh in its command or entrypoint)"]
    if path is None or not path.is_file():
        return [f"{name}: its script {where} is not mounted from a file of the stack folder {root}"]
    said = set(re.findall(r"[\w.-]+", " ".join([*spec.command, *spec.environment.values(), read_text(path)])))
    missing = sorted(set(instances(services).values()) - said)
    return [f"{name}: neither its command, its environment nor {path.name} names the instances {missing}"] if missing else []


def image_uid(root: Path, services: dict[str, ServiceSpec]) -> int:
    """The user id of the instances' image, from the Dockerfile they are built from."""
    builds = {(s.build.get("context", "."), s.build.get("dockerfile", "Dockerfile"))
              for n, s in services.items() if n in instances(services) and s.has_build}
    assert len(builds) == 1, f"the instances are built from {sorted(builds) or 'no Dockerfile'}"
    context, dockerfile = builds.pop()
    return dockerfile_uid(read_text((root / context / dockerfile).resolve()))


def dockerfile_uid(text: str) -> int:
    users = re.findall(r"(?m)^USER\s+([^\s:]+)", text)
    assert users, "the instances' image has no USER: it runs as root"
    if users[-1].isdigit():
        return int(users[-1])
    uid = re.search(rf"(?:useradd|adduser)\b[^\n]*(?:--uid|-u)\s+(\d+)[^\n]*\b{re.escape(users[-1])}\b", text)
    assert uid, f"the Dockerfile does not say which uid {users[-1]} has"
    return int(uid[1])


def owner_problems(root: Path, services: dict[str, ServiceSpec]) -> list[str]:
    name, spec = volume_init(services)
    wanted, given = image_uid(root, services), user_ids(spec.environment)
    if not given:
        return [f"{name}: no variable (VOLUME_UID, OWNER=uid:gid, ...) says who gets the directories; "
                f"the instances run as uid {wanted}"]
    return [f"{name}: {key}={uid}, the instances' image runs as uid {wanted}" for key, uid in given.items() if uid != wanted]


def mount_problems(services: dict[str, ServiceSpec]) -> list[str]:
    """Every instance mounts ./volumes/<instance>/data and /logs writable, and no other instance shares them."""
    problems, seen = [], {}
    for service, instance in instances(services).items():
        sources = {_source(m) for m in services[service].volumes if m.is_bind and not m.read_only}
        for kind in KINDS:
            wanted = os.path.normpath(f"{VOLUMES}/{instance}/{kind}")
            if wanted not in sources:
                problems.append(f"{service}: does not mount ./{wanted} writable (mounts {sorted(sources) or 'nothing'})")
            elif wanted in seen:
                problems.append(f"{service} and {seen[wanted]} share ./{wanted}")
            else:
                seen[wanted] = service
        stray = sorted(s for s in sources if s.startswith(VOLUMES + "/") and s.split("/")[1] != instance)
        problems += [f"{service}: mounts ./{s}, another instance's directory" for s in stray]
    return problems


def wait_problems(services: dict[str, ServiceSpec]) -> list[str]:
    name, _ = volume_init(services)
    return [f"{service}: depends_on {name} is {services[service].conditions.get(name)!r}, not {COMPLETED}"
            for service in instances(services) if services[service].conditions.get(name) != COMPLETED]
