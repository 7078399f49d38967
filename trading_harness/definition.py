"""The stack definition under stack/: compose services, Redis ACL users, PostgreSQL roles.

The compose file is the one place that names services, ports and environment; the ACL file
and the init SQL are the one place that hold credentials. Nothing here restates them.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from trading_harness.errors import StackConfigError
from trading_harness.masking import register_secret
from trading_harness.paths import project_root
from trading_harness.profile import StackProfile, read_profile_file
from trading_harness.profile_inference import infer
from trading_harness.service_kinds import kind_of
from trading_harness.stack_files import StackFiles, locate
from trading_harness.stack_reader import connections as stack_connections
from trading_harness.stack_reader import sql_text
from trading_harness.stack_reader.bounded import (
    COMPOSE_NAMES,
    check_file,
    compose_path,
    is_readable_file,
    list_files,
    read_lines,
    read_text,
)
from trading_harness.stack_reader.contract import Application, describe
from trading_harness.stack_reader.kinds import APPLICATION, ONE_SHOT, Classification, Shape, classify, command_text
from trading_harness.stack_reader.yaml_doc import LinedYaml

PROFILE_FILE = "profile.toml"
# The embedded runner of each category it can start (an application or step by its command, below).
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")
_DURATION = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h)?\s*$")


def parse_duration(text: str | int | float) -> float:
    """Seconds in a Go-style duration such as "90s", "500ms" or "2m" (a bare number is seconds)."""
    if isinstance(text, (int, float)):
        return float(text)
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 500ms, 2m)")
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[m["unit"] or "s"]
    return float(m["num"]) * scale


@dataclass(frozen=True)
class PortMapping:
    host_ip: str
    host_port: int
    container_port: int


@dataclass(frozen=True)
class Mount:
    """One `volumes:` entry: a bind mount (source a path) or a named volume."""

    source: str
    target: str
    read_only: bool

    @property
    def is_bind(self) -> bool:
        return self.source.startswith(("./", "../", "/", "~"))


@dataclass
class ServiceSpec:
    """One compose service, as the harness needs it."""

    name: str
    image: str | None
    command: list[str]
    environment: dict[str, str]
    ports: list[PortMapping]
    labels: dict[str, str]
    depends_on: list[str]
    has_build: bool
    volumes: list[Mount] = field(default_factory=list)
    conditions: dict[str, str] = field(default_factory=dict)  # depends_on: service -> condition
    restart: str | None = None
    entrypoint: list[str] = field(default_factory=list)
    healthcheck: str = ""        # the healthcheck test, as one string
    completes: bool = False      # another service awaits it with service_completed_successfully
    build: dict[str, str] = field(default_factory=dict)  # context, dockerfile (as written)

    # -- what it is (stack_reader.kinds) ----------------------------------
    @property
    def shape(self) -> Shape:
        return Shape(self.name, self.image, self.command, self.entrypoint, self.environment, self.healthcheck,
                     self.restart, self.completes, self.has_build)

    @property
    def classification(self) -> Classification:
        return classify(self.shape)

    @property
    def category(self) -> str:
        """redis, postgres, prometheus, exporter, third-party, application, one-shot or unknown."""
        return self.classification.category

    @property
    def application(self) -> Application | None:
        """The ecosystem's service contract as this service declares it (None for any other category)."""
        if self.category != APPLICATION:
            return None
        return describe(self.name, self.environment, self.healthcheck, self.labels, self.container_ports)

    @property
    def domain(self) -> str | None:
        """The application's domain, from SERVICE_NAME (exchange-simulator -> exchange); None for others."""
        application = self.application
        return application.domain if application else None

    @property
    def kind(self) -> str | None:
        """Which embedded runner starts it: a name of service_kinds.SERVICE_KINDS (None: none can)."""
        return kind_of(self)

    @property
    def one_shot(self) -> bool:
        """A step that runs to completion (restart: "no", or awaited to complete), such as the volume initialisation."""
        return self.category == ONE_SHOT

    @property
    def container_port(self) -> int:
        if not self.ports:
            raise StackConfigError(f"service '{self.name}' publishes no port in docker-compose.yml")
        return self.ports[0].container_port

    @property
    def container_ports(self) -> list[int]:
        return [mapping.container_port for mapping in self.ports]

    @property
    def grpc_port(self) -> int | None:
        """The container port of the gRPC server (GRPC_PORT), None for a service without one."""
        return self._published_port("GRPC_PORT")

    @property
    def audit_port(self) -> int | None:
        """The container port of the audit/control API (AUDIT_PORT), None for a service without one."""
        return self._published_port("AUDIT_PORT")

    def _published_port(self, variable: str) -> int | None:
        value = self.environment.get(variable, "").strip()
        if not value.isdigit() or int(value) not in self.container_ports:
            return None  # none, or declared but not published: the harness cannot reach it
        return int(value)

    @property
    def health_path(self) -> str:
        """A `harness.health` label, else the path its compose healthcheck calls (the contract's by default)."""
        if "harness.health" in self.labels:
            return self.labels["harness.health"]
        application = self.application
        return application.health_path if application else "/health"


# Secrets stay out of reprs: allure-pytest-bdd reports a step's arguments (fixtures included) by their repr.
@dataclass
class RedisUser:
    name: str
    enabled: bool
    passwords: list[str] = field(repr=False)
    key_patterns: list[str]
    rules: list[str] = field(repr=False)  # `>password` among them


@dataclass
class PostgresSpec:
    superuser: str
    password: str = field(repr=False)
    database: str
    roles: dict[str, str] = field(default_factory=dict, repr=False)  # role -> password


@dataclass
class StackDefinition:
    root: Path
    services: dict[str, ServiceSpec]
    redis_users: dict[str, RedisUser]
    postgres: PostgresSpec
    time: dict[str, float]
    profile: StackProfile = field(default_factory=StackProfile)
    credentials: dict[str, str] = field(default_factory=dict)
    files: StackFiles | None = None
    absent: dict[str, str] = field(default_factory=dict)  # services the target leaves out -> why (embedded)

    def __repr__(self) -> str:  # short, and without the credentials it holds (see RedisUser)
        return f"StackDefinition(root={str(self.root)!r}, services={list(self.services)})"

    # -- files -----------------------------------------------------------
    @property
    def compose_file(self) -> Path:
        return compose_path(self.root) or self.root / "docker-compose.yml"

    def _files(self) -> StackFiles:
        return self.files or locate(self.root, None, None)

    @property
    def redis_conf(self) -> Path:
        return self._files().redis_conf

    @property
    def acl_file(self) -> Path:
        return self._files().acl_file

    @property
    def postgres_conf(self) -> Path | None:
        """The stack's postgresql.conf, None when it keeps the server's defaults."""
        return self._files().postgres_conf

    @property
    def init_dir(self) -> Path:
        return self._files().init_dir

    @property
    def init_scripts(self) -> list[Path]:
        return list_files(self.init_dir, (".sql",))

    @property
    def registry_service(self) -> str:
        return self.profile.service("registry")

    # -- credentials -----------------------------------------------------
    def override_credentials(self, passwords: dict[str, str]) -> None:
        """Passwords per user or role that win over the stack's files (a target file's [credentials])."""
        self.credentials.update({str(k): str(v) for k, v in passwords.items()})
        for secret in self.credentials.values():
            register_secret(secret)

    def _override(self, name: str) -> str | None:
        env = os.environ.get("HARNESS_PASSWORD_" + _env_name(name))
        if env:
            register_secret(env)
        return env or self.credentials.get(name)

    def redis_password(self, user: str) -> str:
        if (override := self._override(user)) is not None:
            return override
        try:
            spec = self.redis_users[user]
        except KeyError:
            raise StackConfigError(f"no Redis user '{user}' in {self.acl_file}") from None
        if not spec.passwords:
            from_compose = compose_passwords(self.services, "redis").get(user)
            if from_compose:
                return from_compose
            raise StackConfigError(f"Redis user '{user}' has no plaintext password in {self.acl_file} nor in a compose "
                                   f"service's REDIS_URL: set HARNESS_PASSWORD_{_env_name(user)} or [credentials] "
                                   f"\"{user}\" in the target file")
        return spec.passwords[0]

    def postgres_password(self, role: str) -> str:
        if (override := self._override(role)) is not None:
            return override
        if role == self.postgres.superuser:
            return self.postgres.password
        if role in self.postgres.roles:
            return self.postgres.roles[role]
        from_compose = compose_passwords(self.services, "postgres").get(role)
        if from_compose:
            return from_compose
        raise StackConfigError(f"no PostgreSQL login role '{role}' with a password in {self.init_dir} nor in a compose "
                               f"service's POSTGRES_URL: set HARNESS_PASSWORD_{_env_name(role)} or [credentials] "
                               f"\"{role}\" in the target file")

    def application_services(self) -> list[ServiceSpec]:
        """Every service that declares the ecosystem's contract, in the compose file's order."""
        return [spec for spec in self.services.values() if spec.category == APPLICATION]

    def of_category(self, category: str) -> list[ServiceSpec]:
        return [spec for spec in self.services.values() if spec.category == category]

    def redis_conf_value(self, directive: str) -> str | None:
        """The last value a directive has in redis.conf (None when absent)."""
        value = None
        for line in read_lines(self.redis_conf):
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0].lower() == directive.lower():
                value = parts[1].strip().strip('"')
        return value

    # -- loading ---------------------------------------------------------
    @classmethod
    def load(cls, root: Path | str | None = None, profile_file: Path | str | None = None) -> StackDefinition:
        """Read and check the definition; raise StackConfigError naming the file and the fix.

        The profile is inferred from the folder, then overridden by its profile.toml and by
        `profile_file` (--profile)."""
        root = Path(root or project_root() / "stack").resolve()
        if not root.is_dir():
            raise StackConfigError(f"stack directory {root} does not exist (pass --stack-dir or restore stack/)")
        compose = compose_path(root)
        if compose is None:
            raise StackConfigError(f"{root / 'docker-compose.yml'} is missing: the stack definition needs it "
                                   f"(or one of {', '.join(COMPOSE_NAMES[1:])})")
        paths = [root / PROFILE_FILE] if (root / PROFILE_FILE).is_file() else []
        if profile_file:
            paths.append(Path(profile_file).resolve())
        docs = [(read_profile_file(p), p) for p in paths]
        services = _load_compose(compose)
        pg_service = _named(docs, "services", "postgres") or _only_image(services, "postgres", compose)
        redis_service = _named(docs, "services", "redis") or _only_image(services, "redis", compose)
        files = locate(root, services.get(redis_service), services.get(pg_service))
        for required in (files.redis_conf, files.acl_file):
            if not is_readable_file(required):
                raise StackConfigError(f"{required} is missing: the stack definition needs it (the {redis_service} "
                                       f"service's config file and ACL file, through its volumes)")
            check_file(required)  # a loop, a FIFO or an unreadable file: one line with the cause
        users = _load_acl(files.acl_file)
        postgres = _load_postgres(services, pg_service, files.init_dir, compose)
        scripts = list_files(files.init_dir, (".sql",))
        inference = infer(services, users, scripts, set(postgres.roles), postgres.superuser, postgres.database)
        profile = inference.profile
        for doc, path in docs:
            profile.override(doc, path)
        profile.origin = " + ".join(["inferred from " + root.name, *(p.name for _, p in docs)])
        for key, reason in inference.ambiguous.items():
            if not any(_sets(doc, key) for doc, _ in docs):
                table, _, name = key.rpartition(".")
                raise StackConfigError(f"{root}: cannot tell the profile's {key}: {reason}; set [{table}] {name} in "
                                       f"{root / PROFILE_FILE} (or pass --profile FILE)")
        postgres.superuser, postgres.database = profile.superuser, profile.database
        time = _load_time(root / "embedded.toml", services, profile.service("registry"))
        definition = cls(root, services, users, postgres, time, profile, files=files)
        for part in ("redis", "postgres", "registry"):
            if profile.service(part) not in services:
                raise StackConfigError(f"{definition.compose_file}: no {part} service '{profile.service(part)}' "
                                       f"(set [services] {part} in {root / PROFILE_FILE})")
        for secret in [*(s for spec in services.values() for s in stack_connections.secrets(spec.environment)),
                       postgres.password, *postgres.roles.values(),
                       *(p for u in users.values() for p in u.passwords)]:
            register_secret(secret)  # passwords only: user names are never masked
        return definition


def compose_services(path: Path) -> dict[str, ServiceSpec]:
    """The services of a compose file, without the rest of the stack definition (topology needs no credentials)."""
    return _load_compose(path)


def _load_compose(path: Path) -> dict[str, ServiceSpec]:
    doc = LinedYaml(path).doc
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        raise StackConfigError(f"{path}: expected a top-level 'services:' mapping")
    services = {}
    awaited = {str(d) for raw in doc["services"].values() if isinstance(raw, dict)
               and isinstance(raw.get("depends_on"), dict)
               for d, spec in raw["depends_on"].items()
               if isinstance(spec, dict) and spec.get("condition") == "service_completed_successfully"}
    for name, raw in doc["services"].items():
        if not isinstance(raw, dict):
            raise StackConfigError(f"{path}: service '{name}' is not a mapping")
        name = str(name)
        depends = raw.get("depends_on") or []
        build = raw.get("build")
        services[name] = ServiceSpec(
            name=name,
            image=raw.get("image"),
            command=_as_command(raw.get("command"), path, name),
            environment=_as_env(raw.get("environment"), path, name),
            ports=[_as_port(p, path, name) for p in raw.get("ports") or []],
            labels={str(k): str(v) for k, v in _as_mapping(raw.get("labels")).items()},
            depends_on=list(depends),
            has_build="build" in raw,
            volumes=[_as_mount(v, path, name) for v in raw.get("volumes") or []],
            conditions={str(k): str((v or {}).get("condition", "service_started"))
                        for k, v in depends.items()} if isinstance(depends, dict) else
                       {str(k): "service_started" for k in depends},
            restart=None if raw.get("restart") is None else str(raw.get("restart")),
            entrypoint=_as_command(raw.get("entrypoint"), path, name),
            healthcheck=command_text((raw.get("healthcheck") or {}).get("test")
                                     if isinstance(raw.get("healthcheck"), dict) else None),
            completes=name in awaited,
            build=({"context": str(build)} if isinstance(build, str) else
                   {str(k): str(v) for k, v in build.items() if isinstance(v, (str, int))} if isinstance(build, dict)
                   else {}),
        )
    return services


def _as_command(value, path: Path, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    raise StackConfigError(f"{path}: service '{name}': command must be a list or a string")


def _as_mapping(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return dict(str(item).split("=", 1) if "=" in str(item) else (str(item), "") for item in value)


def interpolate(value: str) -> str:
    """Resolve ${NAME} and ${NAME:-default} from the environment, as compose does."""
    return _INTERPOLATION.sub(lambda m: os.environ.get(m["name"]) or (m["default"] or ""), value)


def _as_env(value, path: Path, name: str) -> dict[str, str]:
    try:
        return {str(k): "" if v is None else interpolate(str(v)) for k, v in _as_mapping(value).items()}
    except (TypeError, ValueError):
        raise StackConfigError(f"{path}: service '{name}': environment must be a mapping or KEY=VALUE list") from None


def _as_port(value, path: Path, name: str) -> PortMapping:
    if isinstance(value, dict):  # the long form: {target, published, host_ip}
        try:
            return PortMapping(str(value.get("host_ip") or "0.0.0.0"), int(value["published"]), int(value["target"]))
        except (KeyError, TypeError, ValueError):
            raise StackConfigError(f"{path}: service '{name}': port {value!r} needs target and published") from None
    parts = str(value).split(":")
    try:
        if len(parts) == 3:
            return PortMapping(parts[0], int(parts[1]), int(parts[2].split("/")[0]))
        if len(parts) == 2:
            return PortMapping("0.0.0.0", int(parts[0]), int(parts[1].split("/")[0]))
    except ValueError:
        pass
    raise StackConfigError(f"{path}: service '{name}': port {value!r} is not \"127.0.0.1:HOST:CONTAINER\"")


def _as_mount(value, path: Path, name: str) -> Mount:
    if isinstance(value, dict):
        if "source" in value and "target" in value:
            return Mount(str(value["source"]), str(value["target"]), bool(value.get("read_only")))
    else:
        parts = str(value).split(":")
        if len(parts) in (2, 3):
            return Mount(parts[0], parts[1], len(parts) == 3 and "ro" in parts[2].split(","))
        if len(parts) == 1:
            return Mount("", parts[0], False)  # an anonymous volume
    raise StackConfigError(f"{path}: service '{name}': volume {value!r} is not \"SOURCE:TARGET[:ro]\"")


def _load_acl(path: Path) -> dict[str, RedisUser]:
    users = {}
    for number, line in enumerate(read_lines(path), 1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        if tokens[0] != "user" or len(tokens) < 2:
            raise StackConfigError(f"{path}:{number}: expected 'user <name> <rules...>'")
        rules = tokens[2:]
        users[tokens[1]] = RedisUser(
            name=tokens[1],
            enabled="on" in rules and "off" not in rules[rules.index("on"):],
            passwords=[r[1:] for r in rules if r.startswith(">")],
            key_patterns=[r[1:] for r in rules if r.startswith("~")] + (["*"] if "allkeys" in rules else []),
            rules=rules,
        )
    return users


def _env_name(name: str) -> str:
    """HARNESS_PASSWORD_<this>: the user or role name in upper case, other characters as _."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def compose_passwords(services: dict[str, ServiceSpec], kind: str) -> dict[str, str]:
    """user -> password the compose services connect with (stack_reader.connections: REDIS_URL,
    POSTGRES_URL/DATABASE_URL, prefixed adapter URLs, REDIS_/DB_ user and password pairs), for
    credentials the ACL or SQL keep hashed. Only application services and steps: an exporter's or a
    tool's variables are not the stack's users."""
    found = {}
    for spec in services.values():
        if spec.category not in (APPLICATION, ONE_SHOT):
            continue
        for connection in stack_connections.connections(spec.environment):
            if connection.system == kind and connection.user and connection.password:
                found.setdefault(connection.user, connection.password)
    return found


def _named(docs: list[tuple[dict, Path]], table: str, key: str) -> str | None:
    """The last value a profile file gives [table] key."""
    values = [str(doc[table][key]) for doc, _ in docs if isinstance(doc.get(table), dict) and key in doc[table]]
    return values[-1] if values else None


def _sets(doc: dict, dotted: str) -> bool:
    """Whether a profile file gives a value to a dotted key such as domains.risk.role."""
    node = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _only_image(services: dict[str, ServiceSpec], prefix: str, compose: Path) -> str:
    """The one compose service that runs `prefix` (redis, postgres), by stack_reader.kinds (the profile names it otherwise)."""
    found = [n for n, s in services.items() if s.category == prefix]
    if len(found) != 1:
        what = (f"several {prefix} services ({', '.join(found)})" if found else
                f"no service runs {prefix} (an official {prefix} image, or command {prefix}{'-server' if prefix == 'redis' else ''})")
        raise StackConfigError(f"{compose}: {what}; set [services] {prefix} in "
                               f"{compose.parent / PROFILE_FILE} (or pass --profile FILE)")
    return found[0]


def _load_postgres(services: dict[str, ServiceSpec], service: str, init_dir: Path, compose: Path) -> PostgresSpec:
    env = services[service].environment if service in services else {}
    if "POSTGRES_PASSWORD" not in env:
        raise StackConfigError(f"{compose}: service '{service}' needs POSTGRES_PASSWORD in environment")
    spec = PostgresSpec(
        superuser=env.get("POSTGRES_USER", "postgres"),
        password=env["POSTGRES_PASSWORD"],
        database=env.get("POSTGRES_DB", env.get("POSTGRES_USER", "postgres")),
    )
    if not init_dir.is_dir():
        raise StackConfigError(f"{init_dir} is missing: PostgreSQL init scripts live there")
    for script in list_files(init_dir, (".sql",)):
        for statement in sql_text.statements(script):
            for setting in sql_text.passwords(statement):
                spec.roles[setting.role] = setting.password
    return spec


PROMETHEUS_SCRAPE_INTERVAL = 1.0  # seconds, when embedded.toml sets none


def _load_time(path: Path, services: dict[str, ServiceSpec], registry: str) -> dict[str, float]:
    """Time constants: the compose file's, overridden by embedded.toml for compressed time."""
    env = services[registry].environment if registry in services else {}
    time = {
        "heartbeat_interval": parse_duration(env.get("HEARTBEAT_INTERVAL", "30s")),
        "service_ttl": parse_duration(env.get("SERVICE_TTL", "90s")),
        "config_cache_ttl": parse_duration(env.get("CONFIG_CACHE_TTL", "30s")),
        "ready_check_interval": 5.0,
        "breaker_cooldown": 10.0,
        "price_update_interval": 1.0,
        "candle_interval": 60.0,
        "settlement_cycle": 2.0,
        # The harness runs Prometheus itself (embedded and compose), so its scraping is compressed whatever the
        # stack's prometheus.yml says; embedded.toml may set another interval (a target slower than 1 s needs it).
        "scrape_interval": PROMETHEUS_SCRAPE_INTERVAL,
        "ready_timeout": 30.0,
        "slack": 10.0,
    }
    if path.is_file():
        try:
            overrides = tomllib.loads(read_text(path)).get("time", {})
        except tomllib.TOMLDecodeError as exc:
            raise StackConfigError(f"{path} is not valid TOML: {exc}") from None
        for key, value in overrides.items():
            if key not in time:
                raise StackConfigError(f"{path}: unknown time constant '{key}' (known: {', '.join(time)})")
            try:
                time[key] = parse_duration(value)
            except ValueError as exc:
                raise StackConfigError(f"{path}: {key}: {exc}") from None
    return time


def dependency_closure(services: dict[str, ServiceSpec], names) -> set[str]:
    """`names` and every service they depend on, directly or not (names not in `services` are left out)."""
    found, todo = set(), [n for n in names if n in services]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(d for d in services[name].depends_on if d in services)
    return found


def with_services(definition: StackDefinition, only: list[str]) -> StackDefinition:
    """The definition narrowed to `only` and what they depend on (HARNESS_SERVICES=a,b)."""
    unknown = sorted(set(only) - set(definition.services))
    if unknown:
        raise StackConfigError(f"HARNESS_SERVICES names unknown service(s) {', '.join(unknown)}; "
                               f"known: {', '.join(definition.services)}")
    keep = dependency_closure(definition.services, only)
    return replace(definition, services={n: s for n, s in definition.services.items() if n in keep})
