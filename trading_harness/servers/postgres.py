"""PostgreSQL: initdb, postgres and the init SQL, as an unprivileged user when run as root.

The init SQL and postgresql.conf are the stack's code: the server runs as the server user and its
own group (no supplementary groups), with a minimal environment, and, where bubblewrap runs, a
read-only system view with only its directory writable (servers/sandbox.py). It shares the host's
network: the tests reach it on loopback TCP.

Like Nominatim's template database, a cluster with the init SQL applied is kept in a cache keyed
by everything that shapes it (scripts, config, credentials, server binary); later runs copy it
instead of running initdb and the scripts again. HARNESS_PG_TEMPLATE=0 turns this off.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg

from trading_harness.errors import StackStartError
from trading_harness.masking import mask
from trading_harness.polling import wait_until
from trading_harness.servers import sandbox
from trading_harness.servers.base import POLL_INTERVAL, LocalServer
from trading_harness.servers.identity import server_env, server_identity
from trading_harness.servers.initdb import INITDB_FLAGS
from trading_harness.servers.ports import free_port
from trading_harness.servers.processes import POSTGRES_BIN_DIRS, Confinement, ManagedProcess, find_binary, run_checked

KEEP_TEMPLATES = 3
Diagnose = Callable[[Path, str], "str | None"]  # (stack folder, service) -> one line naming file:line, or None


def template_cache() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "trading-harness"
    return Path(os.environ.get("HARNESS_CACHE_DIR") or default) / "postgres-templates"


class PostgresServer(LocalServer):
    """Ready when `SELECT 1` succeeds as the superuser over TCP with a password."""

    _wanted_template: Path | None = None
    _builder: threading.Thread | None = None

    def __init__(self, *args, diagnose: Diagnose | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._closing = threading.Event()
        self.diagnose = diagnose  # the lint's diagnosis of a broken init, passed in (the lint uses this package)

    def prepare(self) -> None:
        self.initdb = find_binary("initdb", POSTGRES_BIN_DIRS)
        self.postgres = find_binary("postgres", POSTGRES_BIN_DIRS)
        self.identity = server_identity()
        self.user = self.identity.user
        self.home = self.workdir / "postgres"
        self.data = self.home / "data"
        self.home.mkdir(exist_ok=True)
        self._chown(self.home)
        self.confinement = Confinement(self.identity, writable=[self.home])
        if self.persistent and (self.data / "PG_VERSION").is_file():
            self.bootstrapped = True  # the cluster of an earlier start, data included
            return
        if os.environ.get("HARNESS_PG_TEMPLATE", "1") == "0":
            self._init_cluster(self.data)
            return
        template = template_cache() / self._template_key()
        if (template / "PG_VERSION").is_file():
            _copy_tree(template, self.data)
            os.utime(template)
            self.bootstrapped = True
        else:  # serve a fresh cluster now; build the template once it is up
            self._init_cluster(self.data)
            self._wanted_template = template

    # -- a fresh cluster ---------------------------------------------------------
    def _init_cluster(self, data: Path) -> None:
        pg = self.definition.postgres
        pwfile = self.home / f"pwfile-{data.name}"
        pwfile.write_text(pg.password + "\n")
        self._chown(pwfile)
        os.chmod(pwfile, 0o600)
        try:
            run_checked([self.initdb, "-D", str(data), "-U", pg.superuser, f"--pwfile={pwfile}", *INITDB_FLAGS],
                        what="initdb", env=server_env(), confinement=self.confinement)
        finally:
            pwfile.unlink(missing_ok=True)
        if self.definition.postgres_conf is None:
            return  # the stack keeps the server's defaults
        stack_conf = data / "harness-stack.conf"
        shutil.copyfile(self.definition.postgres_conf, stack_conf)
        self._chown(stack_conf)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\ninclude 'harness-stack.conf'\n")

    def _build_template(self, template: Path) -> None:
        """In the background: initdb and the init SQL on a private port, clean shutdown, into the cache."""
        build = self.home / "template"
        builder = None
        try:
            self._init_cluster(build)
            port = free_port()
            builder = ManagedProcess("postgres-template", ["nice", "-n", "10", *self._argv(build, port)],
                                     self.home / "template.log", env=server_env(), confinement=self.confinement)
            builder.start()
            wait_until(lambda: self._closing.is_set() or not builder.running or self._answers(port),
                       self.definition.time["ready_timeout"], interval=POLL_INTERVAL, message="template cluster")
            self._bootstrap(port)
            builder.stop(sig=signal.SIGINT)  # a clean shutdown before copying
            if builder.exit_code() == 0 and not self._closing.is_set():
                _publish(build, template)
        except Exception as exc:  # noqa: BLE001 - a missing template only costs the next run time: say so, go on
            if not self._closing.is_set():
                why = builder.log_tail(1).strip() if builder and not builder.running else ""
                sandbox.tell_once(f"postgres: no template cluster cached in {template.parent} "
                                  f"({mask(why or str(exc))}); each start runs initdb and the init SQL")
        finally:
            if builder:
                builder.stop(sig=signal.SIGINT)  # on the error path
            shutil.rmtree(build, ignore_errors=True)

    def _template_key(self) -> str:
        digest = hashlib.sha256()
        pg = self.definition.postgres
        binary = Path(self.postgres).stat()
        for part in (*INITDB_FLAGS, pg.superuser, pg.password, pg.database, self.postgres, str(binary.st_mtime_ns),
                     str(binary.st_size), self.user or "",
                     self.definition.postgres_conf.read_text() if self.definition.postgres_conf else ""):
            digest.update(part.encode() + b"\0")
        for script in self.definition.init_scripts:
            digest.update(script.name.encode() + b"\0" + script.read_bytes() + b"\0")
        return digest.hexdigest()[:24]

    # -- the served cluster ------------------------------------------------------
    def _argv(self, data: Path, port: int) -> list[str]:
        return [self.postgres, "-D", str(data), "-c", f"port={port}",
                "-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={self.home}",
                "-c", "logging_collector=off", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
                # shared memory segments live in the data dir, so a killed server leaves nothing in /dev/shm
                "-c", "dynamic_shared_memory_type=mmap"]

    def command(self) -> ManagedProcess:
        return ManagedProcess(self.name, self._argv(self.data, self.port), self.log_path, env=server_env(),
                              confinement=self.confinement)

    def stop(self) -> None:
        if self.process:
            self.process.stop(sig=signal.SIGINT)  # fast shutdown

    def close(self) -> None:
        self._closing.set()
        self.stop()
        if self._builder:
            self._builder.join(timeout=30)

    def _dsn(self, port: int, database: str) -> str:
        pg = self.definition.postgres
        return psycopg.conninfo.make_conninfo(host=self.host, port=port, user=pg.superuser, password=pg.password,
                                              dbname=database, connect_timeout=2)

    def probe(self) -> bool:
        return self._answers(self.port)

    def _answers(self, port: int) -> bool:
        with psycopg.connect(self._dsn(port, "postgres"), autocommit=True) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def after_first_ready(self) -> None:
        self._bootstrap(self.port)
        if self._wanted_template:
            self._builder = threading.Thread(target=self._build_template, args=(self._wanted_template,),
                                             daemon=True, name="postgres-template")
            self._builder.start()

    def _bootstrap(self, port: int) -> None:
        """Create the database and apply stack/postgres/init/*.sql in order, as the official image does."""
        pg = self.definition.postgres
        with psycopg.connect(self._dsn(port, "postgres"), autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(pg.database)))
        with psycopg.connect(self._dsn(port, pg.database), autocommit=True) as conn:
            for script in self.definition.init_scripts:
                try:
                    conn.execute(script.read_text())
                except psycopg.Error as exc:
                    raise StackStartError(init_failure_line(self.definition, script, exc, self.name,
                                                             self.diagnose)) from None

    def _chown(self, path: Path) -> None:
        self.identity.chown(path)


def _copy_tree(source: Path, target: Path) -> None:
    """Copy a cluster keeping owners and modes (PostgreSQL insists on both)."""
    result = subprocess.run(["cp", "-a", str(source), str(target)], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise StackStartError(f"copying {source} to {target} failed: {result.stderr.strip()}")


def _publish(build: Path, template: Path) -> None:
    """Copy a finished template cluster into the cache; a read-only cache or a lost race is fine."""
    staging = template.with_name(f"{template.name}.{os.getpid()}.tmp")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        _copy_tree(build, staging)
        staging.rename(template)
        _prune(template.parent)
    except (OSError, StackStartError):
        shutil.rmtree(staging, ignore_errors=True)


def _prune(cache: Path) -> None:
    templates = sorted((p for p in cache.iterdir() if not p.name.endswith(".tmp")),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    for old in templates[KEEP_TEMPLATES:]:
        shutil.rmtree(old, ignore_errors=True)


def init_failure_line(definition, script: Path, exc: psycopg.Error, service: str,
                      diagnose: Diagnose | None = None) -> str:
    """The one line a broken init stops the run with: the lint's diagnosis of the init SQL (file:line,
    statement, server error, the scripts that never ran), else the server's first error."""
    try:
        line = diagnose(definition.root, service) if diagnose else None
    except Exception:  # noqa: BLE001 - the server's own error below still names the script
        line = None
    if line:
        return f"the init SQL does not run on a fresh cluster: {line}"
    error = " ".join(mask(str(exc)).split())
    later = [s.name for s in definition.init_scripts if s.name > script.name]
    never = f"; never ran: {', '.join(later)}" if later else ""
    return (f"init script {script} failed on a fresh cluster: {error}{never}. Fix the script: every script "
            f"runs once, in order, on an empty database.")
