"""Prometheus (Debian's `prometheus` package) with the stack's prometheus.yml, data in the run's dir.

The compose file's targets are `<service>:<container port>` (and `localhost:<own port>`); the
launcher rewrites each to the local address of that service in this run, derived from the other
servers' port maps, and the scrape and evaluation intervals to the stack's compressed time
(`scrape_interval` in embedded.toml). A target naming a service the stack does not run is an error:
Prometheus would report it down for ever.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from trading_harness import http_client
from trading_harness.definition import parse_duration
from trading_harness.errors import StackConfigError
from trading_harness.servers.base import LocalServer
from trading_harness.servers.identity import server_env, server_identity
from trading_harness.servers.processes import Confinement, ManagedProcess, find_binary
from trading_harness.stack_reader.yaml_doc import load as load_yaml

READY_PATH = "/-/ready"
DEFAULT_CONFIG = "/etc/prometheus/prometheus.yml"


def _seconds(value: float) -> str:
    return f"{max(1, round(value * 1000))}ms"


def compress_intervals(config: dict, scrape: float | None) -> dict:
    """prometheus.yml scraping and evaluating every `scrape` seconds (unchanged when None)."""
    if scrape:
        glob = config.setdefault("global", {})
        timeout = min(parse_duration(str(glob.get("scrape_timeout", "10s"))), scrape)
        glob.update(scrape_interval=_seconds(scrape), evaluation_interval=_seconds(scrape),
                    scrape_timeout=_seconds(timeout))
        for job in config.get("scrape_configs") or []:
            for key in ("scrape_interval", "scrape_timeout"):
                job.pop(key, None)
    return config


def config_file_flag(command: list[str]) -> str:
    """The container path of prometheus.yml: the command's --config.file, else Prometheus's default."""
    for arg in command:
        if arg.startswith("--config.file="):
            return arg.split("=", 1)[1]
    return DEFAULT_CONFIG


class PrometheusServer(LocalServer):
    """Ready when GET /-/ready answers 200."""

    def prepare(self) -> None:
        self.binary = find_binary("prometheus")
        self.identity = server_identity()
        self.data = self.workdir / "prometheus-data"
        self.data.mkdir(exist_ok=True)
        self.identity.chown(self.data)

    @property
    def flags(self) -> dict[str, str]:
        """The compose command's --flag=value arguments."""
        flags = {}
        for arg in self.spec.command:
            if arg.startswith("--") and "=" in arg:
                name, value = arg[2:].split("=", 1)
                flags[name] = value
        return flags

    def config_source(self) -> str:
        container_path = config_file_flag(self.spec.command)
        local = self.local_path(container_path)
        if not local:
            raise StackConfigError(f"service '{self.name}': its --config.file {container_path} is not mounted "
                                   f"from the stack definition")
        return local

    def rewritten_config(self) -> dict:
        """prometheus.yml with every target pointed at this run's ports and time compressed."""
        config = load_yaml(self.config_source()) or {}
        if not isinstance(config, dict):
            raise StackConfigError(f"{self.config_source()}: expected a mapping (global:, scrape_configs:)")
        compress_intervals(config, self.definition.time.get("scrape_interval"))
        if config.get("rule_files"):  # read from the stack folder, wherever the rewritten file is
            source = Path(self.config_source()).parent
            config["rule_files"] = [self.local_path(f) or f if str(f).startswith("/") else str(source / str(f))
                                    for f in config["rule_files"]]
        own_port = self.spec.container_port
        for job in config.get("scrape_configs") or []:
            for static in job.get("static_configs") or []:
                static["targets"] = [self._local_target(job.get("job_name"), t, own_port)
                                     for t in static.get("targets") or [] if not self._left_out(t)]
        return config

    def _left_out(self, target: str) -> bool:
        """A target on a service the embedded target leaves out (no local runner starts it)."""
        return str(target).rpartition(":")[0] in self.definition.absent

    def _local_target(self, job: str, target: str, own_port: int) -> str:
        host, _, port = str(target).rpartition(":")
        if host in ("localhost", "127.0.0.1") and port.isdigit() and int(port) == own_port:
            return f"{self.host}:{self.port}"
        peer = self.peers.get(host)
        if peer is None or not port.isdigit() or int(port) not in peer.ports:
            raise StackConfigError(f"{self.config_source()}: job {job!r} scrapes {target}, which is not a published "
                                   f"port of a service this stack runs ({', '.join(sorted(self.peers))})")
        return f"{peer.host}:{peer.ports[int(port)]}"

    def command(self) -> ManagedProcess:
        # The stack's configuration, rewritten, beside the data: the unprivileged server sees only that folder.
        config = self.data / f"{self.name}.yml"
        config.write_text(yaml.safe_dump(self.rewritten_config(), sort_keys=False))
        flags = {**self.flags, "config.file": str(config), "storage.tsdb.path": str(self.data),
                 "web.listen-address": f"{self.host}:{self.port}"}
        argv = [self.binary, *(f"--{name}={value}" for name, value in flags.items())]
        return ManagedProcess(self.name, argv, self.log_path, env=server_env(), cwd=self.data,
                              confinement=Confinement(self.identity, writable=[self.data], readable=[
                                  self.definition.root, Path(self.config_source()).parent]))

    def probe(self) -> bool:
        self.listening()
        return http_client.get(f"http://{self.host}:{self.port}{READY_PATH}", timeout=1.0).status_code == 200
