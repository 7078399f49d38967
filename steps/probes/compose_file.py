"""Read the compose file as compose itself would: the raw service definitions."""
from __future__ import annotations

from pathlib import Path

import yaml

from trading_harness.profile import StackProfile


class ComposeFile:
    """Services are asked for by part (redis, postgres, registry) or by name; the profile maps parts."""

    def __init__(self, path: Path, profile: StackProfile | None = None):
        self.path = path
        self.doc = yaml.safe_load(path.read_text())
        self.profile = profile or StackProfile()

    def name(self, part: str) -> str:
        return self.profile.service(part)

    def service(self, name: str) -> dict:
        name = self.name(name)
        services = self.doc.get("services", {})
        assert name in services, f"{self.path}: no service '{name}' (has {sorted(services)})"
        return services[name]

    def network(self, name: str) -> dict:
        networks = self.doc.get("networks") or {}
        assert name in networks, f"{self.path}: no network '{name}' (has {sorted(networks)})"
        return networks[name] or {}
