"""Read the compose file as compose itself would: the raw service definitions."""
from __future__ import annotations

from pathlib import Path

import yaml


class ComposeFile:
    def __init__(self, path: Path):
        self.path = path
        self.doc = yaml.safe_load(path.read_text())

    def service(self, name: str) -> dict:
        services = self.doc.get("services", {})
        assert name in services, f"{self.path}: no service '{name}' (has {sorted(services)})"
        return services[name]

    def network(self, name: str) -> dict:
        networks = self.doc.get("networks") or {}
        assert name in networks, f"{self.path}: no network '{name}' (has {sorted(networks)})"
        return networks[name] or {}
