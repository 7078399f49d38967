"""What a compose service runs, from the service itself, never from its name: one table of kinds.

Infrastructure and tools are recognised by the official image's repository name, exactly
(tag, digest and a docker.io/ or library/ prefix stripped), or by the program its command
runs. Application services are recognised by the ecosystem's contract (contract.py); a step
others await to complete, or one that never restarts, is a one-shot step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from trading_harness.stack_reader.contract import declares_contract

REDIS, POSTGRES, PROMETHEUS = "redis", "postgres", "prometheus"
EXPORTER, THIRD_PARTY, APPLICATION, ONE_SHOT, UNKNOWN = "exporter", "third-party", "application", "one-shot", "unknown"
CATEGORIES = (REDIS, POSTGRES, PROMETHEUS, EXPORTER, THIRD_PARTY, APPLICATION, ONE_SHOT, UNKNOWN)
INFRASTRUCTURE = (REDIS, POSTGRES, PROMETHEUS)


@dataclass(frozen=True)
class Kind:
    """One kind of service: its category, what it is, and how to recognise it."""

    category: str
    what: str
    images: tuple[str, ...] = ()     # official repositories, matched exactly
    programs: tuple[str, ...] = ()   # the program a command runs (its basename)
    flags: tuple[str, ...] = ()      # a command of flags only (the image's entrypoint runs), by these flag prefixes


KINDS: tuple[Kind, ...] = (
    Kind(REDIS, "Redis", ("redis", "redis/redis-stack-server", "bitnami/redis", "valkey/valkey"),
         ("redis-server", "valkey-server")),
    Kind(POSTGRES, "PostgreSQL", ("postgres", "bitnami/postgresql", "postgis/postgis", "timescale/timescaledb"),
         ("postgres", "postmaster")),
    Kind(PROMETHEUS, "Prometheus", ("prom/prometheus", "quay.io/prometheus/prometheus", "bitnami/prometheus"),
         ("prometheus",), ("--storage.tsdb.", "--web.enable-lifecycle", "--web.console.")),
    Kind(EXPORTER, "Redis exporter", ("oliver006/redis_exporter", "bitnami/redis-exporter"), ("redis_exporter",)),
    Kind(EXPORTER, "PostgreSQL exporter", ("prometheuscommunity/postgres-exporter",
                                           "quay.io/prometheuscommunity/postgres-exporter",
                                           "wrouesnel/postgres_exporter", "bitnami/postgres-exporter"),
         ("postgres_exporter",)),
    Kind(EXPORTER, "node exporter", ("prom/node-exporter", "quay.io/prometheus/node-exporter"), ("node_exporter",)),
    Kind(EXPORTER, "cAdvisor", ("gcr.io/cadvisor/cadvisor", "google/cadvisor"), ("cadvisor",)),
    Kind(EXPORTER, "blackbox exporter", ("prom/blackbox-exporter",), ("blackbox_exporter",)),
    Kind(THIRD_PARTY, "Grafana", ("grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise"),
         ("grafana-server", "grafana")),
    Kind(THIRD_PARTY, "Jaeger", ("jaegertracing/all-in-one", "jaegertracing/jaeger", "jaegertracing/jaeger-collector",
                                 "jaegertracing/jaeger-query"), ("jaeger-all-in-one",)),
    Kind(THIRD_PARTY, "OpenTelemetry collector", ("otel/opentelemetry-collector", "otel/opentelemetry-collector-contrib",
                                                  "otel/opentelemetry-collector-k8s"), ("otelcol", "otelcol-contrib")),
    Kind(THIRD_PARTY, "Alertmanager", ("prom/alertmanager", "quay.io/prometheus/alertmanager"), ("alertmanager",)),
    Kind(THIRD_PARTY, "Loki", ("grafana/loki",), ("loki",)),
    Kind(THIRD_PARTY, "Tempo", ("grafana/tempo",), ("tempo",)),
    Kind(THIRD_PARTY, "Promtail", ("grafana/promtail",), ("promtail",)),
    Kind(THIRD_PARTY, "Zipkin", ("openzipkin/zipkin",)),
    Kind(THIRD_PARTY, "pgAdmin", ("dpage/pgadmin4",)),
    Kind(THIRD_PARTY, "Redis Commander", ("rediscommander/redis-commander",)),
    Kind(THIRD_PARTY, "RedisInsight", ("redis/redisinsight", "redislabs/redisinsight")),
)

_SHELLS = ("sh", "bash", "ash", "dash")
_REGISTRY_HOSTS = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")


@dataclass(frozen=True)
class Shape:
    """What classification reads of one compose service (either parser of the compose file builds it)."""

    name: str
    image: str | None
    command: list[str]
    entrypoint: list[str] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    healthcheck: str = ""      # the healthcheck test as one string
    restart: str | None = None
    completes: bool = False    # another service awaits it with service_completed_successfully
    has_build: bool = False


@dataclass(frozen=True)
class Classification:
    category: str
    what: str                 # "Redis", "Grafana", "application", ...
    kind: Kind | None = None  # the table's row, None for application, one-shot and unknown


def repository(image: str | None) -> str:
    """The image's repository: `docker.io/library/redis:7.2@sha256:...` -> `redis`."""
    name = (image or "").strip().split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
    for host in _REGISTRY_HOSTS:
        if name.startswith(host):
            name = name[len(host):]
    if name.startswith("library/"):
        name = name[len("library/"):]
    return name.lower()


def program(argv: list[str]) -> str | None:
    """The program an argv runs (its basename), None for a command of flags only or nothing."""
    if not argv or argv[0].startswith("-"):
        return None
    return PurePosixPath(argv[0]).name


def classify(shape: Shape) -> Classification:
    """The service's category, by this order: a one-shot step; the program its command runs; the official
    image; the flags its image's entrypoint gets; the ecosystem's application contract."""
    argv = [*shape.entrypoint, *shape.command] if shape.entrypoint else shape.command
    if shape.completes or (shape.restart in ("no", "false", "False") and not declares_contract(shape)):
        return Classification(ONE_SHOT, "one-shot step")
    runs = program(argv)
    by_program = next((k for k in KINDS if runs and runs in k.programs), None)
    if by_program:
        return Classification(by_program.category, by_program.what, by_program)
    repo = repository(shape.image)
    by_image = next((k for k in KINDS if repo and repo in k.images), None)
    if by_image and (runs is None or runs in _SHELLS or not declares_contract(shape)):
        return Classification(by_image.category, by_image.what, by_image)
    if runs is None and argv:
        by_flags = next((k for k in KINDS if k.flags and any(a.startswith(k.flags) for a in argv)), None)
        if by_flags:
            return Classification(by_flags.category, by_flags.what, by_flags)
    if declares_contract(shape):
        return Classification(APPLICATION, "application")
    return Classification(UNKNOWN, "unknown")


def command_text(test) -> str:
    """A compose healthcheck `test` (list or string) as one string."""
    if isinstance(test, str):
        return test
    if isinstance(test, list):
        return " ".join(str(t) for t in test if t not in ("CMD", "CMD-SHELL"))
    return ""

