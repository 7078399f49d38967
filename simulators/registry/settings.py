"""The registry's settings, read from environment variables (see Settings.from_env)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from simulators.common.config import Env, redact_url
from simulators.common.logs import FORMATS, LEVELS

# Deliberate defects, for proving that the acceptance scenarios can fail (never set them in production).
FAULTS = ("accept-invalid", "drop-writes", "keep-deregistered", "stale-config", "ignore-environment")


@dataclass(frozen=True)
class Settings:
    http_host: str
    http_port: int
    redis_url: str
    service_ttl: float  # seconds; 0 = entries never expire
    heartbeat_interval: float  # seconds; reported to clients
    environments: tuple[str, ...]
    service_name: str
    log_level: str
    log_format: str
    request_timeout: float  # seconds a client may take to send one request
    max_body_bytes: int
    faults: frozenset[str] = frozenset()
    instance: str = "service-registry"  # SERVICE_INSTANCE_NAME: the service_instance metric label
    version: str = "1.0.0"  # SERVICE_VERSION

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Raises ConfigError (one line naming the variable) for the first bad variable."""
        env = Env(environ)
        name = env.string("SERVICE_NAME", "service-registry")
        return cls(
            http_port=env.integer("HTTP_PORT", minimum=1, maximum=65535),
            http_host=env.string("HTTP_HOST", "127.0.0.1", expected="a host name or IP address to listen on"),
            redis_url=env.url("REDIS_URL", schemes=("redis", "rediss")),
            service_ttl=env.duration("SERVICE_TTL", "90s"),
            heartbeat_interval=env.duration("HEARTBEAT_INTERVAL", "30s", allow_zero=False),
            environments=env.name_list("CONFIG_ENVIRONMENTS", "development,testing,production"),
            service_name=name,
            log_level=env.choice("LOG_LEVEL", "info", LEVELS),
            log_format=env.choice("LOG_FORMAT", "json", FORMATS),
            request_timeout=env.duration("HTTP_REQUEST_TIMEOUT", "10s", allow_zero=False),
            max_body_bytes=env.integer("HTTP_MAX_BODY_BYTES", 64 * 1024, minimum=1024, maximum=16 * 1024 * 1024),
            faults=env.flags("REGISTRY_FAULTS", FAULTS),
            instance=env.string("SERVICE_INSTANCE_NAME", name),
            version=env.string("SERVICE_VERSION", "1.0.0"),
        )

    def loggable(self) -> dict[str, object]:
        """The settings as log fields, with the Redis password masked."""
        return {
            "http": f"{self.http_host}:{self.http_port}",
            "redis_url": redact_url(self.redis_url),
            "service_ttl_s": self.service_ttl,
            "heartbeat_interval_s": self.heartbeat_interval,
            "environments": ",".join(self.environments),
            "faults": ",".join(sorted(self.faults)) or "none",
        }
