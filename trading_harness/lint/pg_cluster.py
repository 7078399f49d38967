"""A throwaway PostgreSQL cluster run like the official image's entrypoint runs its init folder.

initdb as the unprivileged server user with the superuser and password from compose, the
stack's postgresql.conf included, the database from POSTGRES_DB, then every init file in
sorted order through `psql -v ON_ERROR_STOP=1` as the superuser. Always stopped and removed.

The init SQL is code from the stack folder, so the cluster runs sandboxed (servers/sandbox.py):
its own user and group, a minimal environment, no network (it listens on a Unix socket only,
in its own network namespace when the machine allows), a read-only system view. Like the
image, the init runs over the socket with trust; password logins are checked afterwards with
scram-sha-256 (`require_passwords`), the lint's own queries then going through a role of its own.
"""
from __future__ import annotations

import gzip
import os
import re
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from trading_harness.errors import StackStartError
from trading_harness.polling import wait_until
from trading_harness.servers.identity import server_env, server_identity
from trading_harness.servers.initdb import INITDB_FLAGS
from trading_harness.servers.processes import POSTGRES_BIN_DIRS, Confinement, ManagedProcess, find_binary, run_checked
from trading_harness.workdirs import owned_workdir

READY_TIMEOUT = 30.0
PSQL_TIMEOUT = 120.0
_PSQL_ERROR = re.compile(r"^psql:(?P<file>.+?):(?P<line>\d+): (?P<error>(?:ERROR|FATAL):.*)$", re.MULTILINE)
_CONF_ERROR = re.compile(r'in file "(?P<file>[^"]+)" line (?P<line>\d+)')


@dataclass
class InitFailure:
    file: Path
    line: int | None
    error: str
    never_ran: list[Path] = field(default_factory=list)


@dataclass
class ConfFailure:
    line: int | None
    error: str


class ThrowawayCluster:
    """Context manager: a started cluster with the superuser of the stack under test."""

    def __init__(self, superuser: str, password: str, database: str, conf: Path | None = None,
                 conf_lines: list[str] | None = None, initdb_args: list[str] | None = None):
        self.superuser, self.password, self.database = superuser, password, database
        self.initdb_args = initdb_args or []
        self.initdb_failure: str | None = None
        self.conf, self.conf_lines = conf, conf_lines
        self.identity = server_identity()
        self.home = owned_workdir("trading-harness-lint-pg-")  # swept if this process is killed
        self.data = self.home / "data"
        self.port = 5432  # only names the socket file: the cluster listens on no TCP port
        self.confinement = Confinement(self.identity, writable=[self.home], network=False)
        self.process: ManagedProcess | None = None
        self.conf_failure: ConfFailure | None = None
        self._admin: str | None = None  # the lint's own role once passwords are required

    # -- lifecycle -----------------------------------------------------------------
    def __enter__(self) -> ThrowawayCluster:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.process:
            self.process.stop(sig=signal.SIGINT)
        shutil.rmtree(self.home, ignore_errors=True)

    def _start(self) -> None:
        os.chmod(self.home, 0o700)
        self._chown(self.home)
        pwfile = self.home / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o600)
        self._chown(pwfile)
        initdb = find_binary("initdb", POSTGRES_BIN_DIRS)
        try:
            run_checked([initdb, "-D", str(self.data), "-U", self.superuser, f"--pwfile={pwfile}", *INITDB_FLAGS,
                         *self.initdb_args], what="initdb", env=server_env(), confinement=self.confinement)
        except StackStartError as exc:
            if not self.initdb_args:
                raise
            self.initdb_failure = " ".join(str(exc).split("\n")[1:]).strip() or str(exc)
            return
        pwfile.unlink()
        if self.conf_lines is not None:
            stack_conf = self.data / "stack.conf"
            stack_conf.write_text("\n".join(self.conf_lines) + "\n")
            self._chown(stack_conf)
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write("\ninclude 'stack.conf'\n")
        argv = [find_binary("postgres", POSTGRES_BIN_DIRS), "-D", str(self.data), "-c", f"port={self.port}",
                "-c", "listen_addresses=", "-c", f"unix_socket_directories={self.home}",
                "-c", "logging_collector=off", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "dynamic_shared_memory_type=mmap",
                "-c", "shared_buffers=16MB", "-c", "max_connections=40"]
        self.process = ManagedProcess("lint-postgres", argv, self.home / "postgres.log", env=server_env(),
                                      confinement=self.confinement)
        self.process.start()
        wait_until(lambda: not self.process.running or self._answers(), READY_TIMEOUT, interval=0.02,
                   message="throwaway PostgreSQL for the lint")
        if not self.process.running:
            log = self.process.log_tail(20)
            match = _CONF_ERROR.search(log)
            if match and self.conf_lines is not None:
                error = next((ln for ln in log.splitlines() if match.group(0) in ln), log.splitlines()[-1])
                self.conf_failure = ConfFailure(int(match["line"]), error.split("FATAL:")[-1].strip())
                return
            raise StackStartError(f"the throwaway PostgreSQL did not start:\n{log}")
        if self.database != "postgres":
            with self.connect("postgres") as conn:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(self.database)))

    @property
    def refused(self) -> bool:
        """PostgreSQL refused the stack's initdb arguments or configuration: nothing runs."""
        return bool(self.initdb_failure or self.conf_failure)

    @property
    def running(self) -> bool:
        return bool(self.process and self.process.running)

    def _answers(self) -> bool:
        with self.connect("postgres") as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)

    def connect(self, database: str | None = None, user: str | None = None, password: str | None = None):
        """As `user` with `password` (password authentication); without a user, as the superuser (trust).

        Both over the Unix socket: the cluster has no network."""
        if user is None:
            return psycopg.connect(host=str(self.home), port=self.port, dbname=database or self.database,
                                   user=self._admin or self.superuser, connect_timeout=3, autocommit=True)
        self.require_passwords()
        return psycopg.connect(host=str(self.home), port=self.port, dbname=database or self.database, user=user,
                               password=password, connect_timeout=3, autocommit=True)

    def require_passwords(self) -> None:
        """After the init: every role logs in with its password (scram-sha-256), as over TCP in the image;
        the lint's own queries go through a role of its own that keeps trust."""
        if self._admin:
            return
        admin = f"harness_lint_{secrets.token_hex(4)}"
        with self.connect("postgres") as conn:
            conn.execute(psycopg.sql.SQL("CREATE ROLE {} SUPERUSER LOGIN").format(psycopg.sql.Identifier(admin)))
            hba = self.data / "pg_hba.conf"
            hba.write_text(f'local all "{admin}" trust\nlocal all all scram-sha-256\n')
            self._chown(hba)
            conn.execute("SELECT pg_reload_conf()")
        self._admin = admin
        wait_until(self._asks_password, READY_TIMEOUT, interval=0.01, message="the throwaway PostgreSQL's new pg_hba.conf")

    def _asks_password(self) -> bool:
        try:
            psycopg.connect(host=str(self.home), port=self.port, dbname="postgres", user=self.superuser,
                            connect_timeout=3).close()
            return False
        except psycopg.OperationalError:
            return True

    # -- the entrypoint's init folder ------------------------------------------------
    def run_init(self, files: list[Path]) -> tuple[list[Path], InitFailure | None]:
        """Run the files in order as the entrypoint does; (files run, the failure that stopped it)."""
        psql = find_binary("psql", POSTGRES_BIN_DIRS)
        base = [psql, "-v", "ON_ERROR_STOP=1", "--username", self.superuser, "--no-password", "--no-psqlrc",
                "--dbname", self.database, "--host", str(self.home), "--port", str(self.port), "-q"]
        ran: list[Path] = []
        for index, path in enumerate(files):
            if path.name.endswith(".sh"):
                continue  # the image sources these; the lint lists them (see init_sql)
            if path.name.endswith(".sql"):
                stdin = path.read_bytes()
            elif path.name.endswith(".sql.gz"):
                stdin = gzip.decompress(path.read_bytes())
            else:
                continue  # the entrypoint ignores other files
            # psql runs confined too: a meta-command (\! or \copy ... program) runs on its side
            argv, drop = self.confinement.command([*base, "-f", "-"])
            result = subprocess.run(argv, input=stdin, capture_output=True, timeout=PSQL_TIMEOUT,
                                    env={**server_env(), "PGHOSTADDR": ""}, **drop)
            ran.append(path)
            if result.returncode != 0:
                stderr = result.stderr.decode(errors="replace")
                match = _PSQL_ERROR.search(stderr)
                line = int(match["line"]) if match and path.name.endswith(".sql") else None
                error = match["error"] if match else (stderr.strip().splitlines() or ["psql failed"])[-1]
                detail = [ln.strip() for ln in stderr.splitlines() if ln.startswith(("DETAIL:", "HINT:"))]
                return ran, InitFailure(path, line, " ".join([error.strip(), *detail]), [
                    f for f in files[index + 1:] if f.name.endswith((".sql", ".sql.gz", ".sh"))])
        return ran, None

    def _chown(self, path: Path) -> None:
        self.identity.chown(path)
