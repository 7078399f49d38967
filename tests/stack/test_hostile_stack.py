"""A hostile stack folder: `harness lint` names every attack at its file:line, and none has an effect.

Each attack of tests/stacks/hostile/ is planted alone into a copy of the reference stack and linted
with the real CLI (real redis-server, real PostgreSQL). Effects are looked for where an unsandboxed
server could have left them: a world-writable directory in /tmp, a root-only secret, a shared
object whose constructor leaves a file when anything loads it. The control tests show each check
can fail: the same attack without the sandbox leaves its file; the module does load elsewhere.
The embedded target's servers are checked too: own group (not 0), no supplementary group, no
harness variable in their environment.
"""
from __future__ import annotations

import ctypes  # noqa: F401 - the control loads the module in a child process
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from trading_harness.definition import StackDefinition, with_services
from trading_harness.servers import sandbox
from trading_harness.servers.application import application_identity
from trading_harness.targets.embedded import EmbeddedStack

from ..conftest import REPO, STACK

HOSTILE = REPO / "tests" / "stacks" / "hostile"
CANARY = "HARNESS_HOSTILE_CANARY"
# Variables a server may hold: its PATH and locale; HARNESS_RUN_ID marks it for the leftover sweep.
SERVER_VARIABLES = {"PATH", "LANG", "HARNESS_RUN_ID", "PWD", "SHLVL", "_", "PGLOCALEDIR", "PGSYSCONFDIR",
                    "LC_COLLATE", "LC_CTYPE", "LC_MESSAGES", "LC_MONETARY", "LC_NUMERIC", "LC_TIME"}
MODULE_SOURCE = r"""
#include <stdio.h>
__attribute__((constructor)) static void planted(void) {
    FILE *f = fopen(DROP "/module-loaded", "w");
    if (f) fclose(f);
}
void hostile(void) {}
"""


@dataclass(frozen=True)
class Attack:
    planted: str   # file of tests/stacks/hostile/
    target: str    # where it goes in the stack copy (appended when it ends with redis.conf)
    line: int      # line of the attack in the planted file
    named: str     # what the lint's finding must say


ATTACKS = {
    "copy-program": Attack("postgres/init/90-copy-program.sql", "postgres/init/90-copy-program.sql", 2,
                           "COPY ... PROGRAM runs an OS command"),
    "file-fdw-program": Attack("postgres/init/90-file-fdw-program.sql", "postgres/init/90-file-fdw-program.sql", 5,
                               "file_fdw `program` option runs an OS command"),
    "untrusted-language": Attack("postgres/init/90-untrusted-language.sql", "postgres/init/90-untrusted-language.sql",
                                 2, "untrusted language C"),
    "plpython": Attack("postgres/init/90-plpython.sql", "postgres/init/90-plpython.sql", 2,
                       "extension plpython3u is an untrusted language"),
    "lo-export": Attack("postgres/init/90-lo-export.sql", "postgres/init/90-lo-export.sql", 2,
                        "lo_import/lo_export read or write a file"),
    "id": Attack("postgres/init/90-id.sql", "postgres/init/90-id.sql", 3, "COPY ... PROGRAM runs an OS command"),
    "loadmodule": Attack("redis/loadmodule.conf", "redis/redis.conf", 1, "loadmodule"),
    "include-secret": Attack("redis/include-secret.conf", "redis/redis.conf", 1,
                             "reads a file from outside the stack folder"),
}


@dataclass
class Run:
    root: Path
    line: int       # the attack's line in the stack copy
    output: str     # everything `harness lint` printed
    returncode: int


class Planted:
    """What the attacks point at, outside any stack folder: reachable by the server user without a sandbox."""

    def __init__(self, base: Path):
        self.drop = Path(tempfile.mkdtemp(prefix="harness-hostile-drop-", dir="/tmp"))
        self.drop.chmod(0o777)
        self.secret_token = f"TOPSECRET-{secrets.token_hex(8)}"
        self.secret = self.drop.parent / f"harness-hostile-secret-{secrets.token_hex(4)}"
        self.secret.write_text(self.secret_token + "\n")
        self.secret.chmod(0o600)
        self.module = self.drop / "hostile.so"
        source = base / "hostile.c"
        source.write_text(MODULE_SOURCE)
        compiler = shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            pytest.skip("no C compiler to build the planted module (apt-get install gcc)")
        subprocess.run([compiler, "-shared", "-fPIC", f'-DDROP="{self.drop}"', "-o", str(self.module), str(source)],
                       check=True, timeout=60)
        self.module.chmod(0o755)

    def effects(self) -> list[str]:
        """Every file an attack left (the module itself excluded)."""
        return sorted(p.name for p in self.drop.iterdir() if p != self.module)

    def clear(self) -> None:
        for leftover in self.drop.iterdir():
            if leftover != self.module:
                leftover.unlink()

    def close(self) -> None:
        shutil.rmtree(self.drop, ignore_errors=True)
        self.secret.unlink(missing_ok=True)

    def substitute(self, text: str) -> str:
        return text.replace("@DROP@", str(self.drop)).replace("@SECRET@", str(self.secret)).replace(
            "@MODULE@", str(self.module))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    made = Planted(tmp_path_factory.mktemp("hostile-module"))
    yield made
    made.close()


def plant(planted: Planted, attack: Attack, base: Path) -> tuple[Path, int]:
    """A copy of the reference stack with one attack in it; (its root, the attack's line there)."""
    root = base / "stack"
    shutil.copytree(STACK, root)
    text = planted.substitute((HOSTILE / attack.planted).read_text())
    target = root / attack.target
    if attack.target.endswith("redis.conf"):
        before = target.read_text()
        if not before.endswith("\n"):
            before += "\n"
        target.write_text(before + text)
        return root, before.count("\n") + attack.line
    target.write_text(text)
    return root, attack.line


def lint_cli(root: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trading_harness.cli.main", "lint", "--stack-dir", str(root)],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, CANARY: f"canary-{secrets.token_hex(4)}", **(env or {})})


@pytest.fixture(scope="module")
def runs(planted, tmp_path_factory):
    """One lint run per attack, made when a test first asks for it; the effects are recorded right after."""
    done: dict[str, tuple[Run, list[str]]] = {}

    def run(name: str) -> tuple[Run, list[str]]:
        if name not in done:
            planted.clear()
            root, line = plant(planted, ATTACKS[name], tmp_path_factory.mktemp(name))
            result = lint_cli(root)
            done[name] = (Run(root, line, result.stdout + result.stderr, result.returncode), planted.effects())
        return done[name]

    return run


# -- the lint names every attack ---------------------------------------------------------------
@pytest.mark.parametrize("name", ATTACKS)
def test_the_lint_names_the_attack_at_its_file_and_line(runs, name):
    attack = ATTACKS[name]
    run, _ = runs(name)
    where = f"{attack.target}:{run.line}: error [dangerous]: "
    named = [line for line in run.output.splitlines() if where in line]
    assert named and attack.named in named[0], run.output[-3000:]
    assert run.returncode == 1, run.output[-3000:]


# -- and none has an effect ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ATTACKS)
def test_the_attack_had_no_effect(runs, planted, name):
    run, effects = runs(name)
    assert effects == [], f"{name} left {effects} in {planted.drop}"
    assert planted.secret_token not in run.output
    assert "Traceback" not in run.output, run.output[-3000:]


def test_the_included_secret_is_never_printed_and_redis_still_ran(runs, planted):
    run, _ = runs("include-secret")
    assert planted.secret_token not in run.output
    assert "redis-server did not start" not in run.output and "[redis-config]" in run.output, run.output[-3000:]


def test_the_planted_module_is_never_loaded_and_redis_still_ran(runs):
    run, effects = runs("loadmodule")
    assert "module-loaded" not in effects
    assert "redis-server did not start" not in run.output, run.output[-3000:]


def test_the_native_function_never_loaded_its_library(runs):
    run, effects = runs("untrusted-language")
    assert "module-loaded" not in effects, run.output[-3000:]


def test_commands_from_the_init_sql_run_unprivileged_with_nothing_of_the_harness(runs):
    run, _ = runs("id")
    inside = next((line for line in run.output.splitlines() if "inside: uid=" in line), None)
    assert inside, run.output[-3000:]
    uid, gid = int(re.search(r"uid=(\d+)", inside)[1]), int(re.search(r"gid=(\d+)", inside)[1])
    groups = {int(g) for g in re.findall(r"(\d+)\(", re.search(r"groups=(\S+)", inside)[1])}
    assert gid != 0 and 0 not in groups, inside
    if os.geteuid() == 0:
        assert uid != 0 and groups == {gid}, inside
    names = {m for m in re.findall(r"\| ([A-Za-z_][A-Za-z0-9_]*)=", inside)}
    assert names and names <= SERVER_VARIABLES, names - SERVER_VARIABLES
    assert CANARY not in inside


# -- the checks above can fail ---------------------------------------------------------------
def test_without_the_sandbox_the_same_attack_leaves_its_file(planted, tmp_path, monkeypatch):
    """The control: HARNESS_SANDBOX=0 (servers only unprivileged) lets COPY ... PROGRAM reach /tmp."""
    if os.geteuid() != 0:
        pytest.skip("the drop directory is reachable by the server user only when the harness is root")
    planted.clear()
    root, _ = plant(planted, ATTACKS["copy-program"], tmp_path)
    result = lint_cli(root, env={"HARNESS_SANDBOX": "0"})
    assert "sandbox: HARNESS_SANDBOX=0 turned it off" in result.stderr, result.stderr[-2000:]
    assert planted.effects() == ["copy-program"], result.stdout[-3000:]
    planted.clear()


def test_the_planted_module_does_leave_its_file_when_loaded(planted):
    planted.clear()
    subprocess.run([sys.executable, "-c", f"import ctypes; ctypes.CDLL({str(planted.module)!r})"], check=True, timeout=30)
    assert planted.effects() == ["module-loaded"]
    planted.clear()


def test_the_lint_says_in_one_line_what_isolation_it_could_not_give(tmp_path):
    result = lint_cli(STACK, env={"HARNESS_BWRAP": ""})
    lines = [line for line in result.stderr.splitlines() if line.startswith("sandbox: ")]
    assert len(lines) == 1 and "bubblewrap (bwrap) is not installed" in lines[0], result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-3000:]
    if sandbox.probe().filesystem:
        assert "sandbox: " not in lint_cli(STACK).stderr


# -- the embedded target ---------------------------------------------------------------------
def test_embedded_redis_and_postgres_run_with_their_own_group_and_a_bare_environment(monkeypatch):
    monkeypatch.setenv(CANARY, "canary-embedded")
    stack = EmbeddedStack.up(with_services(StackDefinition.load(STACK), ["redis", "postgres"]))
    try:
        for name, pid in stack.pids().items():
            status = Path(f"/proc/{pid}/status").read_text()
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M)[1])
            gid = int(re.search(r"^Gid:\s+(\d+)", status, re.M)[1])
            groups = {int(g) for g in re.search(r"^Groups:(.*)$", status, re.M)[1].split()}
            assert gid != 0 and 0 not in groups, (name, status)
            if os.geteuid() == 0:
                assert uid != 0 and groups <= {gid}, (name, status)
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            names = {item.split(b"=", 1)[0].decode() for item in environ if item}
            assert names <= SERVER_VARIABLES, (name, names - SERVER_VARIABLES)
    finally:
        stack.close()


# -- the embedded target's one-shot sh steps ---------------------------------------------------
SYSTEM_TARGETS = (Path("/usr/local/step-wrote"), Path("/etc/step-wrote"))
# The control writes SYSTEM_TARGETS (as root) and the attack test looks for them: never both at once (xdist).
SYSTEM_PATHS = pytest.mark.xdist_group("hostile-system-paths")


class StepAttack:
    """The reference stack with tests/stacks/hostile/scripts/init-volumes.sh in place of its step."""

    def __init__(self, planted: Planted, base: Path):
        self.root = base / "stack"
        shutil.copytree(STACK, self.root)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.stack_secret = f"STACKSECRET-{secrets.token_hex(8)}"
        inside = self.root / "root-only.txt"
        inside.write_text(self.stack_secret + "\n")
        inside.chmod(0o600)
        script = planted.substitute((HOSTILE / "scripts" / "init-volumes.sh").read_text())
        script = script.replace("@STACK@", str(self.root)).replace("@PORT@", str(self.listener.getsockname()[1]))
        (self.root / "scripts" / "init-volumes.sh").write_text(script)

    def run(self) -> str:
        """Run the step alone on the embedded target; what it noted in its report."""
        stack = EmbeddedStack.up(with_services(StackDefinition.load(self.root), ["init-volumes"]))
        try:
            return (stack.workdir / "volumes" / "report").read_text(errors="replace")
        finally:
            stack.close()

    def connections(self) -> int:
        count = 0
        while True:
            try:
                self.listener.accept()[0].close()
                count += 1
            except BlockingIOError:
                return count

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def step_attack(planted, tmp_path):
    planted.clear()
    attack = StepAttack(planted, tmp_path)
    yield attack
    attack.close()
    planted.clear()
    for system in SYSTEM_TARGETS:  # the control runs the step as root: it writes there
        system.unlink(missing_ok=True)


def _environment(report: str) -> dict[str, str]:
    block = report.split("--- environment\n", 1)[1].split("--- id\n", 1)[0]
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


@SYSTEM_PATHS
def test_a_hostile_sh_step_writes_reads_connects_and_finds_nothing(step_attack, planted, monkeypatch):
    """Each attempt of the step had no effect: no file outside its mount, no secret, no connection, no variable."""
    monkeypatch.setenv(CANARY, f"canary-{secrets.token_hex(4)}")
    report = step_attack.run()
    assert "--- id" in report, report  # the step ran to its end
    assert planted.effects() == [], report                                  # /tmp outside its mount
    assert not (step_attack.root / "step-wrote").exists(), report           # the stack folder
    assert not any(system.exists() for system in SYSTEM_TARGETS), report
    assert planted.secret_token not in report, report                       # root-only file outside the folder
    if os.geteuid() == 0:                                                   # as ourselves it is our own file
        assert step_attack.stack_secret not in report, report               # root-only file inside the folder
        uid = int(re.search(r"uid=(\d+)", report.split("--- id\n", 1)[1])[1])
        gid = int(re.search(r"gid=(\d+)", report.split("--- id\n", 1)[1])[1])
        assert uid != 0 and gid != 0, report
    if sandbox.probe().network:
        assert "connected:" not in report and step_attack.connections() == 0, report
    names = set(_environment(report))
    compose = {"VOLUMES_DIR", "VOLUME_UID", "VOLUME_GID", "INSTANCES"}
    allowed = SERVER_VARIABLES | compose | {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "HOME", "OLDPWD"}
    assert names <= allowed, names - allowed
    assert os.environ[CANARY] not in report


@SYSTEM_PATHS
def test_without_the_sandbox_the_same_step_reaches_the_network_and_tmp(step_attack, planted, monkeypatch, capfd):
    """The control: HARNESS_SANDBOX=0 (the step at most unprivileged) lets it connect and write to /tmp; one
    line says what isolation the steps were given."""
    monkeypatch.setenv("HARNESS_SANDBOX", "0")
    monkeypatch.setattr(sandbox, "_told", set())
    sandbox.probe.cache_clear()
    try:
        report = step_attack.run()
    finally:
        monkeypatch.delenv("HARNESS_SANDBOX")
        sandbox.probe.cache_clear()
    assert "connected:" in report and step_attack.connections() == 1, report
    assert planted.effects() == ["step-wrote"], report
    told = [line for line in capfd.readouterr().err.splitlines() if line.startswith("sandbox: ")]
    assert len(told) == 1 and "HARNESS_SANDBOX=0 turned it off; application services and one-shot steps run as" \
        in told[0], told


def test_embedded_application_services_run_as_the_steps_user_with_their_compose_environment_only(monkeypatch):
    """The services and the step share the unprivileged user (own group), so the instance's directories are theirs."""
    monkeypatch.setenv(CANARY, "canary-application")
    definition = with_services(StackDefinition.load(STACK), ["exchange-okx"])
    stack = EmbeddedStack.up(definition)
    expected = application_identity()
    try:
        volumes = stack.workdir / "volumes" / "exchange-okx"
        for name in ("exchange-okx", "service-registry"):
            pid = stack.pids()[name]
            status = Path(f"/proc/{pid}/status").read_text()
            uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M)[1])
            gid = int(re.search(r"^Gid:\s+(\d+)", status, re.M)[1])
            groups = {int(g) for g in re.search(r"^Groups:(.*)$", status, re.M)[1].split()}
            if expected.switches:  # as root; else the line of application_identity said why not
                assert (uid, gid) == (expected.uid, expected.gid) and groups <= {gid}, (name, status)
                assert uid != 0 and gid != 0, (name, status)
            else:
                assert uid == os.geteuid(), (name, status)
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            names = {item.split(b"=", 1)[0].decode() for item in environ if item}
            allowed = SERVER_VARIABLES | set(stack.definition.services[name].environment) | {
                "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "HTTP_HOST", "GRPC_HOST", "ADVERTISE_HOST", "AUDIT_HOST",
                "HEARTBEAT_INTERVAL", "SERVICE_TTL"}
            assert names <= allowed, (name, names - allowed)
            if name == "exchange-okx":
                for kind in ("data", "logs"):
                    assert (volumes / kind).stat().st_uid == uid, (kind, uid)
    finally:
        stack.close()
