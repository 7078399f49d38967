"""The run-time compose file: the reference file made safe to run beside others.

From stack/docker-compose.yml it keeps services, commands, environment, healthchecks and
depends_on, and changes what would collide or leak: no container_name, no fixed network name
or subnet, ports published on 127.0.0.1 at a port Docker chooses, images replaced by the
hash-tagged builds, bind mounts made absolute, owner labels on every container, network and
volume, no restart policy (the harness controls lifecycle), and healthchecks polled every second
(with ten retries, so that a slow check on a loaded machine is not taken for a broken service),
and Prometheus's configuration bound from a copy that scrapes at the stack's compressed interval.
CPU limits are dropped (memory limits kept): on a small shared machine the CFS quota stalls a
service for tens of milliseconds at a time, which the latency scenarios would measure as the
service's own; HARNESS_COMPOSE_CPU_LIMITS=1 keeps them.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from trading_harness.definition import StackDefinition
from trading_harness.errors import StackConfigError
from trading_harness.images.build import built_image_name
from trading_harness.servers.prometheus import compress_intervals, config_file_flag
from trading_harness.servers.python_service import TIME_ENV
from trading_harness.stack_reader.yaml_doc import load as load_yaml

HEALTHCHECK_INTERVAL = "1s"
HEALTHCHECK_RETRIES = 10  # at a 1 s interval: a loaded machine's slow check is not yet "unhealthy"


def time_environment(definition: StackDefinition) -> dict[str, str]:
    """The interpolated time variables (${SERVICE_TTL:-90s} and friends), compressed as embedded.toml says."""
    return {variable: f"{definition.time[key]}s" for variable, key in TIME_ENV.items()}


def runtime_compose(definition: StackDefinition, project: str, labels: dict[str, str], images: dict[str, str],
                    data_dir: Path | None = None) -> dict:
    doc = load_yaml(definition.compose_file)
    doc["name"] = project
    services = {}
    for name, service in doc["services"].items():
        if name not in definition.services:
            continue  # narrowed by HARNESS_SERVICES
        service.pop("container_name", None)
        service["restart"] = "no"
        if service.get("build") and built_image_name(name, service) in images:
            service["image"] = images[built_image_name(name, service)]
            service.pop("build", None)
        service["ports"] = [_loopback_any_port(p) for p in service.get("ports") or []]
        service["volumes"] = [_absolute(v, definition.root, data_dir) for v in service.get("volumes") or []]
        if isinstance(service.get("networks"), dict):
            service["networks"] = list(service["networks"])
        service["labels"] = {**_as_dict(service.get("labels")), **labels}
        if os.environ.get("HARNESS_COMPOSE_CPU_LIMITS") != "1":
            (((service.get("deploy") or {}).get("resources") or {}).get("limits") or {}).pop("cpus", None)
        if "healthcheck" in service:
            service["healthcheck"]["interval"] = HEALTHCHECK_INTERVAL
            service["healthcheck"]["retries"] = max(int(service["healthcheck"].get("retries", 3)), HEALTHCHECK_RETRIES)
        if definition.services[name].kind == "prometheus" and data_dir is not None:
            _compress_prometheus(service, definition, data_dir / "prometheus" / name)
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):  # the short form: started, not awaited healthy
            depends = {str(d): {"condition": "service_started"} for d in depends}
        service["depends_on"] = {k: v for k, v in depends.items() if k in definition.services}
        services[name] = service
    doc["services"] = services
    doc["networks"] = {name: {"driver": (spec or {}).get("driver", "bridge"), "labels": labels}
                       for name, spec in (doc.get("networks") or {}).items()}
    doc["volumes"] = {name: {**(spec or {}), "labels": labels} for name, spec in (doc.get("volumes") or {}).items()}
    return doc


def _compress_prometheus(service: dict, definition: StackDefinition, copy_dir: Path) -> None:
    """Bind a copy of the service's prometheus.yml that scrapes at the stack's compressed interval.

    A bind of the file itself is replaced by the copy; a bind of its folder by a copy of the folder (rule
    files and all). Targets are left as they are: on compose they resolve on the stack's network.
    """
    scrape = definition.time.get("scrape_interval")
    if not scrape:
        return
    config_path = config_file_flag(service.get("command") or [])
    for index, volume in enumerate(service["volumes"]):
        if not isinstance(volume, str):
            continue
        source, _, rest = volume.partition(":")
        target = rest.split(":", 1)[0].rstrip("/")
        if not (config_path == target or config_path.startswith(target + "/")) or not Path(source).exists():
            continue
        copy_dir.mkdir(parents=True, exist_ok=True)
        if Path(source).is_dir():
            local = Path(shutil.copytree(source, copy_dir / "config", dirs_exist_ok=True))
            config = local / config_path[len(target) + 1:]
        else:
            local = config = Path(shutil.copy(source, copy_dir / Path(source).name))
        try:
            doc = yaml.safe_load(config.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise StackConfigError(f"{source}: {exc}") from None
        config.write_text(yaml.safe_dump(compress_intervals(doc, scrape), sort_keys=False))
        service["volumes"][index] = f"{local}:{rest}"
        return


def write_runtime_files(directory: Path, doc: dict, environment: dict[str, str]) -> tuple[Path, Path]:
    compose, env = directory / "docker-compose.yml", directory / ".env"
    compose.write_text(yaml.safe_dump(doc, sort_keys=False))
    env.write_text("".join(f"{k}={v}\n" for k, v in environment.items()))
    return compose, env


def _loopback_any_port(port) -> str:
    """127.0.0.1:6379:6379 -> 127.0.0.1::6379: published on loopback, host port chosen by Docker."""
    container = str(port).rsplit(":", 1)[-1]
    return f"127.0.0.1::{container}"


def _absolute(volume, root: Path, data_dir: Path | None = None):
    """A relative bind mount made absolute: read-only ones from the stack folder, writable ones (per-instance
    data and logs) under the run's own directory, so a run writes nothing into the stack folder."""
    if isinstance(volume, str) and volume.startswith("."):
        source, _, rest = volume.partition(":")
        writable = "ro" not in rest.split(":")[1:2] and not rest.endswith(":ro")
        base = data_dir if writable and data_dir is not None else root
        return f"{(base / source).resolve()}:{rest}"
    return volume


def _as_dict(labels) -> dict[str, str]:
    if isinstance(labels, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in labels)
    return dict(labels or {})
