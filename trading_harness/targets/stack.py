"""The one object steps see: endpoints, lifecycle control and time constants of a target."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from urllib.parse import quote

from trading_harness.definition import StackDefinition
from trading_harness.errors import ControlUnsupported, ServiceAbsent


@dataclass(frozen=True)
class Timing:
    """Time constants of the target, in seconds."""

    heartbeat_interval: float
    service_ttl: float
    config_cache_ttl: float
    ready_check_interval: float = 5.0  # how often a simulator re-checks its dependencies
    breaker_cooldown: float = 10.0  # how long an open circuit breaker fails fast
    price_update_interval: float = 1.0  # market-data feed tick
    candle_interval: float = 60.0  # market-data OHLCV candle length
    settlement_cycle: float = 2.0  # custodian: one settlement status step
    scrape_interval: float = 1.0  # Prometheus, run by the harness: how often every target is scraped
    ready_timeout: float = 20.0
    slack: float = 10.0  # how much longer than its nominal time an eventual outcome may take on a loaded machine

    @property
    def readiness_deadline(self) -> float:
        """Long enough for a service's readiness monitor to notice a change (four re-checks), plus slack."""
        return 4 * self.ready_check_interval + self.slack


@dataclass(frozen=True)
class Address:
    host: str
    port: int


class Stack(ABC):
    """A running trading-ecosystem deployment under test.

    Subclasses: EmbeddedStack (local processes), ComposeStack (docker compose),
    ExternalStack (an already-running deployment).
    """

    target: str = "abstract"

    def __init__(self, definition: StackDefinition, timing: Timing):
        self.definition = definition
        self.timing = timing

    def __repr__(self) -> str:
        try:
            where = ", ".join(f"{n}={a.host}:{a.port}" for n in self.services for a in [self.address(n)])
        except Exception:  # noqa: BLE001 - not up yet
            where = "not started"
        return f"{type(self).__name__}({where})"

    # -- endpoints -------------------------------------------------------
    @abstractmethod
    def address(self, service: str) -> Address:
        """Where a service listens, as seen from the harness."""

    def grpc_address(self, service: str) -> Address:
        """Where a service's gRPC server listens (its GRPC_PORT), as seen from the harness."""
        raise ServiceAbsent(f"the {self.target} target exposes no gRPC endpoint for '{service}' (it publishes no GRPC_PORT)")

    def grpc_target(self, service: str) -> str:
        addr = self.grpc_address(service)
        return f"{addr.host}:{addr.port}"

    def audit_address(self, service: str) -> Address:
        """Where a service's audit/control API listens (its AUDIT_PORT), as seen from the harness."""
        raise ServiceAbsent(f"the {self.target} target exposes no audit/control API for '{service}' (it publishes no AUDIT_PORT)")

    def audit_url(self, service: str) -> str:
        addr = self.audit_address(service)
        return f"http://{addr.host}:{addr.port}"

    def simulators(self) -> list[str]:
        """The services with a gRPC server: the ecosystem's simulators."""
        return [name for name, spec in self.definition.services.items() if spec.grpc_port]

    def redis_url(self, user: str | None = None, password: str | None = None) -> str:
        """A redis:// URL for an ACL user; the password comes from users.acl unless given."""
        addr = self.address(self.definition.profile.service("redis"))
        if user is None:
            return f"redis://{addr.host}:{addr.port}/0"
        if password is None:
            password = self.definition.redis_password(user)
        return f"redis://{quote(user, safe='')}:{quote(password, safe='')}@{addr.host}:{addr.port}/0"

    def postgres_dsn(self, role: str | None = None, password: str | None = None) -> str:
        """A postgresql:// DSN for a login role (the superuser when role is None)."""
        addr = self.address(self.definition.profile.service("postgres"))
        pg = self.definition.postgres
        role = role or pg.superuser
        if password is None:
            password = self.definition.postgres_password(role)
        return (f"postgresql://{quote(role, safe='')}:{quote(password, safe='')}"
                f"@{addr.host}:{addr.port}/{pg.database}?connect_timeout=5")

    def http_url(self, service: str) -> str:
        addr = self.address(service)
        return f"http://{addr.host}:{addr.port}"

    @property
    def registry_url(self) -> str:
        return self.http_url(self.definition.registry_service)

    # -- lifecycle -------------------------------------------------------
    @property
    def services(self) -> list[str]:
        """The long-running services (one-shot steps such as the volume initialisation are not among them)."""
        return [name for name, spec in self.definition.services.items() if not spec.one_shot]

    @abstractmethod
    def stop(self, service: str) -> None:
        """Stop one service and return once it no longer answers."""

    @abstractmethod
    def start(self, service: str) -> None:
        """Start one stopped service and return once it is healthy."""

    def terminate(self, service: str, sig: int, timeout: float = 10.0) -> tuple[int | None, float]:
        """Send `sig` to the service's process and wait: (exit code or None if still running, seconds)."""
        raise ControlUnsupported(f"the {self.target} target cannot signal '{service}'")

    def restart(self, service: str) -> None:
        self.stop(service)
        self.start(service)

    @abstractmethod
    def is_running(self, service: str) -> bool:
        """Whether the service's process or container is up (not whether it is healthy)."""

    @abstractmethod
    def logs(self, service: str, lines: int = 50) -> str:
        """The tail of a service's log, secrets masked."""

    def raw_logs(self, service: str, lines: int = 500) -> str:
        """The tail of a service's log as the service wrote it (unmasked where the target allows)."""
        return self.logs(service, lines)

    def start_many(self, services: list[str]) -> None:
        """Start the given stopped services, each after those of them it depends on; return once all are
        healthy. One at a time here; a target that can start a wave together does."""
        for wave in self.start_waves(services):
            for service in wave:
                self.start(service)

    def start_waves(self, services: list[str]) -> list[list[str]]:
        """`services` in waves: each wave depends on none of the services of its own or a later wave."""
        waves, pending = [], set(services)
        while pending:
            wave = sorted(n for n in pending if not set(self.definition.services[n].depends_on) & pending)
            waves.append(wave or sorted(pending))  # a cycle (compose refuses one): the rest together
            pending -= set(waves[-1])
        return waves

    def ensure_running(self) -> None:
        """Start every service a scenario left stopped."""
        self.start_many([service for service in self.services if not self.is_running(service)])

    def close(self) -> None:
        """Release the target (tear down what the harness started)."""
