"""A simulator's settings, read from the environment variables the seeds name.

    SERVICE_NAME, SERVICE_VERSION, SERVICE_INSTANCE_NAME, ENVIRONMENT, HTTP_PORT, GRPC_PORT,
    POSTGRES_URL, REDIS_URL, CACHE_NAMESPACE, SERVICE_DISCOVERY_NAMESPACE, HEARTBEAT_INTERVAL,
    SERVICE_TTL, LOG_LEVEL, LOG_FORMAT

plus DATA_DIR and LOG_DIR (the instance's own directories, TSE-0001.12.0), and the harness's own:
HTTP_HOST, GRPC_HOST, ADVERTISE_HOST, AUDIT_HOST, AUDIT_PORT, POSTGRES_SCHEMA,
REGISTRY_URL, CONFIG_CACHE_TTL, READY_CHECK_INTERVAL, CIRCUIT_BREAKER_FAILURES, CIRCUIT_BREAKER_COOLDOWN,
GRPC_CALL_TIMEOUT and SIMULATOR_FAULTS.

AUDIT_PORT (unset: none) is the separate audit/control API: chaos injection and internal state, off
the production API.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .config import ConfigError, Env, redact_url
from .faults import Faults
from .logs import FORMATS, LEVELS

# Deliberate defects, to prove that the acceptance scenarios can fail (never set them in production).
FAULTS = ("no-heartbeat", "no-expiry", "health-500", "metrics-full-path", "no-metrics", "no-deregister",
          "ready-ignores-postgres", "ready-ignores-redis", "no-grpc", "errors-500", "no-channel-pool",
          "instance-label", "camel-case-metric", "no-trace-propagation", "slow-shutdown", "heartbeat-key-only")
# Those checked on every request or cycle, so GET/PUT /audit/v1/faults switches them on a running simulator
# (simulators/common/faults.py); the others act only at start.
SWITCHABLE = ("no-heartbeat", "heartbeat-key-only", "health-500", "no-metrics", "errors-500", "ready-ignores-postgres",
              "ready-ignores-redis")
ENVIRONMENTS = ("development", "testing", "production")
_INSTANCE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Defaults:
    """What a simulator assumes when a variable is unset."""

    service_name: str
    namespace: str  # Redis namespace and PostgreSQL schema
    http_port: int = 8080
    grpc_port: int = 50051
    faults: tuple[str, ...] = ()  # the domain's own deliberate faults, beside FAULTS
    switchable: tuple[str, ...] = ()  # those of them a running simulator switches (checked per request)


@dataclass(frozen=True)
class ServiceSettings:
    service_name: str
    version: str
    instance: str
    environment: str
    http_host: str
    http_port: int
    grpc_host: str
    grpc_port: int
    audit_host: str
    audit_port: int | None  # the audit/control API; None: not served
    advertise_host: str  # the host others reach this instance at (registered for discovery)
    postgres_url: str
    postgres_schema: str
    redis_url: str
    cache_namespace: str
    discovery_namespace: str
    heartbeat_interval: float
    service_ttl: float
    registry_url: str | None
    config_cache_ttl: float
    ready_check_interval: float
    breaker_failures: int
    breaker_cooldown: float
    call_timeout: float
    log_level: str
    log_format: str
    faults: Faults = field(default_factory=lambda: Faults(FAULTS))  # mutable: switched at run time
    data_dir: str | None = None  # DATA_DIR: the instance's own data directory (TSE-0001.12.0)
    log_dir: str | None = None  # LOG_DIR: the instance's own logs directory
    env: Env = field(default=None, compare=False, repr=False)  # for the domain's own variables

    @classmethod
    def from_env(cls, environ: Mapping[str, str], defaults: Defaults) -> ServiceSettings:
        """Raises ConfigError (one line naming the variable) for the first bad variable."""
        env = Env(environ)
        name = env.string("SERVICE_NAME", defaults.service_name)
        instance = env.string("SERVICE_INSTANCE_NAME", name)
        if not _INSTANCE.match(instance):
            raise ConfigError("SERVICE_INSTANCE_NAME", "1-63 characters of a-z, 0-9 and '-'", instance)
        cache_ns = _namespace(env, "CACHE_NAMESPACE", defaults.namespace)
        settings = cls(
            service_name=name,
            version=env.string("SERVICE_VERSION", "1.0.0"),
            instance=instance,
            environment=env.choice("ENVIRONMENT", "development", ENVIRONMENTS),
            http_host=env.string("HTTP_HOST", "0.0.0.0"),
            http_port=env.integer("HTTP_PORT", defaults.http_port, minimum=1, maximum=65535),
            grpc_host=env.string("GRPC_HOST", "0.0.0.0"),
            grpc_port=env.integer("GRPC_PORT", defaults.grpc_port, minimum=1, maximum=65535),
            audit_host=env.string("AUDIT_HOST", "127.0.0.1"),
            audit_port=env.integer("AUDIT_PORT", 0, minimum=0, maximum=65535) or None,
            advertise_host=env.string("ADVERTISE_HOST", instance),
            postgres_url=env.url("POSTGRES_URL", schemes=("postgres", "postgresql")),
            postgres_schema=_namespace(env, "POSTGRES_SCHEMA", cache_ns),
            redis_url=env.url("REDIS_URL", schemes=("redis", "rediss")),
            cache_namespace=cache_ns,
            discovery_namespace=_namespace(env, "SERVICE_DISCOVERY_NAMESPACE", cache_ns),
            heartbeat_interval=env.duration("HEARTBEAT_INTERVAL", "30s", allow_zero=False),
            service_ttl=env.duration("SERVICE_TTL", "90s", allow_zero=False),
            registry_url=_optional_url(env, "REGISTRY_URL"),
            config_cache_ttl=env.duration("CONFIG_CACHE_TTL", "30s"),
            ready_check_interval=env.duration("READY_CHECK_INTERVAL", "5s", allow_zero=False),
            breaker_failures=env.integer("CIRCUIT_BREAKER_FAILURES", 3, minimum=1, maximum=1000),
            breaker_cooldown=env.duration("CIRCUIT_BREAKER_COOLDOWN", "10s", allow_zero=False),
            call_timeout=env.duration("GRPC_CALL_TIMEOUT", "2s", allow_zero=False),
            log_level=env.choice("LOG_LEVEL", "info", LEVELS),
            log_format=env.choice("LOG_FORMAT", "json", FORMATS),
            faults=Faults(FAULTS + defaults.faults, env.flags("SIMULATOR_FAULTS", FAULTS + defaults.faults),
                          SWITCHABLE + defaults.switchable),
            data_dir=env.string("DATA_DIR", "") or None,
            log_dir=env.string("LOG_DIR", "") or None,
            env=env,
        )
        if settings.service_ttl <= settings.heartbeat_interval:
            raise ConfigError("SERVICE_TTL", f"a duration longer than HEARTBEAT_INTERVAL ({settings.heartbeat_interval}s)",
                              environ.get("SERVICE_TTL"))
        if settings.http_port == settings.grpc_port:
            raise ConfigError("GRPC_PORT", "a port other than HTTP_PORT", str(settings.grpc_port))
        if settings.audit_port in (settings.http_port, settings.grpc_port):
            raise ConfigError("AUDIT_PORT", "a port other than HTTP_PORT and GRPC_PORT", str(settings.audit_port))
        return settings

    def loggable(self) -> dict[str, object]:
        """The settings as log fields; URLs have their passwords masked."""
        return {
            "instance": self.instance, "version": self.version, "environment": self.environment,
            "http": f"{self.http_host}:{self.http_port}", "grpc": f"{self.grpc_host}:{self.grpc_port}",
            "audit": f"{self.audit_host}:{self.audit_port}" if self.audit_port else "none",
            "postgres_url": redact_url(self.postgres_url), "postgres_schema": self.postgres_schema,
            "redis_url": redact_url(self.redis_url), "namespace": self.discovery_namespace,
            "registry_url": self.registry_url or "none", "heartbeat_interval_s": self.heartbeat_interval,
            "service_ttl_s": self.service_ttl, "faults": ",".join(sorted(self.faults)) or "none",
            "data_dir": self.data_dir or "none", "log_dir": self.log_dir or "none",
        }


def _namespace(env: Env, name: str, default: str) -> str:
    value = env.string(name, default)
    if not _NAMESPACE.match(value):
        raise ConfigError(name, "a lower-case name of a-z, 0-9 and '_' starting with a letter", value)
    return value


def _optional_url(env: Env, name: str) -> str | None:
    return env.url(name, schemes=("http", "https")) if env.string(name, "-") != "-" else None
