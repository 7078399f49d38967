"""The external target: an already-running deployment described by a target file.

    [services]                       # host:port of each compose service the selected scenarios use
    redis = "127.0.0.1:6379"
    postgres = "127.0.0.1:5432"
    service-registry = "127.0.0.1:8080"

    [grpc]                           # host:port of each simulator's gRPC server
    market-data-simulator = "127.0.0.1:9096"

    [audit]                          # optional: host:port of each simulator's audit/control API
    market-data-simulator = "127.0.0.1:9196"

    [control]                        # optional: a harness-managed stack can stop/start services
    url = "http://127.0.0.1:40123"

    [time]                           # optional: the deployment's time constants (seconds)
    service_ttl = 90

    [credentials]                    # optional: passwords per user or role, where the deployment's
    "svc.exchange" = "..."           # secrets are not in the stack folder (HARNESS_PASSWORD_<NAME> too)

A service that is not listed is absent: a scenario that needs it is skipped with a reason naming
the missing entry. Nothing is assumed about a service's image.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

import httpx

from trading_harness import http_client
from trading_harness.definition import StackDefinition
from trading_harness.errors import ControlUnsupported, ServiceAbsent, StackConfigError, TargetUnreachable
from trading_harness.servers.ports import is_listening
from trading_harness.targets.stack import Address, Stack, Timing


class ExternalStack(Stack):
    """Endpoints of a deployment the harness did not start; lifecycle only through a control URL."""

    target = "external"

    def __init__(self, definition: StackDefinition, addresses: dict[str, Address], timing: Timing,
                 control_url: str | None = None, grpc_addresses: dict[str, Address] | None = None,
                 audit_addresses: dict[str, Address] | None = None):
        super().__init__(definition, timing)
        self.addresses = addresses
        self.grpc_addresses = grpc_addresses or {}
        self.audit_addresses = audit_addresses or {}
        self.control_url = control_url
        self.startup_seconds = None

    @classmethod
    def attach(cls, definition: StackDefinition, target_file: Path) -> ExternalStack:
        stack = cls.from_file(definition, target_file)
        silent = [f"{n} at {a.host}:{a.port}" for n, a in stack.addresses.items() if not is_listening(a.port, a.host, 2)]
        if silent:
            raise TargetUnreachable(
                f"the external target does not answer: {', '.join(silent)}. Start the deployment "
                f"(e.g. `harness start`) or fix the addresses in {target_file}.")
        return stack

    @classmethod
    def from_file(cls, definition: StackDefinition, target_file: Path) -> ExternalStack:
        try:
            doc = tomllib.loads(Path(target_file).read_text())
        except FileNotFoundError:
            raise StackConfigError(f"target file {target_file} does not exist (`harness start` writes one)") from None
        except tomllib.TOMLDecodeError as exc:
            raise StackConfigError(f"target file {target_file} is not valid TOML: {exc}") from None
        addresses = _section(doc, "services", definition, target_file)
        grpc = _section(doc, "grpc", definition, target_file)
        definition.override_credentials(doc.get("credentials") or {})
        audit = {}
        for name, value in (doc.get("audit") or {}).items():
            if name not in definition.services or ":" not in str(value):
                raise StackConfigError(f"target file {target_file}: [audit] {name} = {value!r} must name a "
                                       f"service of the stack as \"host:port\"")
            audit[name] = _address(value)
        timing = Timing(**{**definition.time, **(doc.get("time") or {})})
        return cls(definition, addresses, timing, (doc.get("control") or {}).get("url"), grpc, audit)

    @property
    def services(self) -> list[str]:
        """The services the target file lists: the deployment, which may be partial."""
        return [name for name in self.definition.services if name in self.addresses]

    def address(self, service: str) -> Address:
        if service not in self.addresses:
            raise ServiceAbsent(f"the external target does not list service '{service}': add [services] "
                                f"\"{service}\" = \"host:port\" to the target file if it is deployed")
        return self.addresses[service]

    def grpc_address(self, service: str) -> Address:
        if service not in self.grpc_addresses:
            raise ServiceAbsent(f"the external target does not list the gRPC endpoint of '{service}': add [grpc] "
                                f"\"{service}\" = \"host:port\" to the target file if it is deployed")
        return self.grpc_addresses[service]

    def audit_address(self, service: str) -> Address:
        if service not in self.audit_addresses:
            raise ServiceAbsent(f"the external target has no audit/control API address for '{service}': "
                                f"add [audit] \"{service}\" = \"host:port\" to the target file")
        return self.audit_addresses[service]

    def _control(self, method: str, path: str, **params) -> httpx.Response:
        if not self.control_url:
            raise ControlUnsupported("this external target has no control URL: it cannot stop or start services")
        reply = http_client.request(method, self.control_url + path, params=params, timeout=60)
        if reply.status_code >= 400:
            raise TargetUnreachable(f"control {method} {path}: {reply.status_code} {reply.text}")
        return reply

    def stop(self, service: str) -> None:
        self._control("POST", f"/services/{service}/stop")

    def start(self, service: str) -> None:
        self._control("POST", f"/services/{service}/start")

    def is_running(self, service: str) -> bool:
        if not self.control_url:
            return True  # nothing the harness could restart anyway
        return bool(self._status()[service]["running"])

    def ensure_running(self) -> None:
        """After every scenario: one GET /status for every service, not one each."""
        if not self.control_url:
            return
        status = self._status()
        for service in self.services:
            if not status[service]["running"]:
                self.start(service)

    def _status(self) -> dict[str, dict]:
        return self._control("GET", "/status").json()["services"]

    def logs(self, service: str, lines: int = 50) -> str:
        """Raises ControlUnsupported without a control URL: a placeholder text would be read as the log."""
        try:
            return self._control("GET", f"/services/{service}/logs", lines=lines).text
        except ControlUnsupported:
            raise ControlUnsupported("logs are not available from an external target without a control URL: "
                                     "add [control] url to the target file") from None


def _section(doc: dict, key: str, definition: StackDefinition, target_file: Path) -> dict[str, Address]:
    """The host:port entries of one table; each must name a service of the stack."""
    found = {}
    for name, value in (doc.get(key) or {}).items():
        if name not in definition.services or ":" not in str(value):
            raise StackConfigError(f"target file {target_file}: [{key}] {name} = {value!r} must name a service of "
                                   f"the stack as \"host:port\" (services: {', '.join(definition.services)})")
        found[name] = _address(value)
    return found


def _address(value: object) -> Address:
    host, port = str(value).rsplit(":", 1)
    return Address(host, int(port))
