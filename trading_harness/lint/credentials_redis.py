"""Check (c), Redis side: the user exists, the password opens it, and `ACL DRYRUN` lets it do what its
service needs: PING, its CACHE_NAMESPACE, the discovery keys <ns>:service:<instance>:info|heartbeat
(as simulators/common/discovery.py names them), and the registry's keys for the registry service.
"""
from __future__ import annotations

from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from trading_harness.lint.credentials_found import Credential, healthcheck_commands
from trading_harness.lint.findings import ERROR, Finding, where
from trading_harness.lint.redis_config import RedisSide

CHECK = "credentials"
REGISTRY_KEYS = "registry:services:"  # simulators/registry/store.py; config:<service>:<environment> beside it


@dataclass(frozen=True)
class Need:
    what: str
    commands: list[list[str]]


def location(cred: Credential) -> str:
    """`compose-file:line (service S, VARIABLE)`."""
    return f"{where(cred.service.compose.path, cred.line)} (service {cred.service.name}, {cred.variable})"


def needs(cred: Credential, is_registry: bool) -> list[Need]:
    if cred.variable == "healthcheck":
        return [Need("run its healthcheck", [[c] for c in healthcheck_commands(cred.service) or ["PING"]])]
    env, needs = cred.service.environment, [Need("PING", [["PING"]])]
    cache = env.get("CACHE_NAMESPACE")
    if cache:
        key = f"{cache}:harness-lint"
        needs.append(Need(f"use its namespace {cache}:* (CACHE_NAMESPACE)",
                          [["SET", key, "1"], ["GET", key], ["DEL", key]]))
    discovery = env.get("SERVICE_DISCOVERY_NAMESPACE") or cache
    if discovery:
        instance = env.get("SERVICE_INSTANCE_NAME") or env.get("SERVICE_NAME") or cred.service.name
        info, beat = f"{discovery}:service:{instance}:info", f"{discovery}:service:{instance}:heartbeat"
        needs.append(Need(f"write its discovery keys {info} and {beat} (SERVICE_DISCOVERY_NAMESPACE)",
                          [["HSET", info, "status", "healthy"], ["PEXPIRE", info, "1000"],
                           ["SET", beat, "1", "PX", "1000"], ["DEL", info, beat]]))
    if is_registry:
        entry, config = f"{REGISTRY_KEYS}lint:lint", "config:lint:development"
        needs.append(Need(f"write the registry's keys {REGISTRY_KEYS}* and config:* (other services' REGISTRY_URL)",
                          [["SET", entry, "{}", "PX", "1000"], ["GET", entry], ["DEL", entry],
                           ["HSET", config, "k", "v"], ["HGETALL", config], ["DEL", config]]))
    return needs


def check(cred: Credential, side: RedisSide, needs: list[Need]) -> list[Finding]:
    acl = where(side.acl) if side.acl else "the ACL file"
    if cred.user in side.refused_users:
        return []  # its ACL line is already reported
    user = side.users.get(cred.user)
    if user is None:
        known = ", ".join(sorted(side.users)) or "none"
        return [Finding(CHECK, ERROR, location(cred), f"Redis user '{cred.user}' does not exist in {acl} (users: {known})",
                        f"declare user {cred.user} (on, its password, its key patterns and commands) in {acl}, "
                        "or use one of its users")]
    if [r for r in user.rules if r in ("on", "off")][-1:] != ["on"]:
        return [Finding(CHECK, ERROR, location(cred), f"Redis user '{cred.user}' is off at {side.user_at(cred.user)}",
                        f"switch {cred.user} on in {acl}")]
    run = side.run
    if run is None or run.client is None:
        if cred.password is not None and user.passwords and cred.password not in user.passwords:
            return [_wrong_redis_password(cred, side)]
        return []
    if cred.password is not None and not _authenticates(run.socket, cred.user, cred.password):
        return [_wrong_redis_password(cred, side)]
    findings = []
    for need in needs:
        denied = [reply for reply in _dryrun(run.client, cred.user, need.commands) if reply != "OK"]
        if denied:
            findings.append(Finding(CHECK, ERROR, location(cred),
                                    f"Redis user '{cred.user}' ({side.user_at(cred.user)}) may not {need.what}: {denied[0]}",
                                    f"grant it in {acl} (key pattern ~pattern, command categories), "
                                    "or point the service at a user that has it"))
    return findings


def _wrong_redis_password(cred: Credential, side: RedisSide) -> Finding:
    return Finding(CHECK, ERROR, location(cred),
                   f"the password for Redis user '{cred.user}' differs from its ACL line {side.user_at(cred.user)}",
                   "use the same password in both places")


def _authenticates(socket: str, user: str, password: str) -> bool:
    client = redis.Redis(unix_socket_path=socket, username=user, password=password, socket_timeout=3,
                         socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
    try:
        client.connection_pool.get_connection().disconnect()  # connecting authenticates
        return True
    except redis.AuthenticationError:
        return False
    except redis.ResponseError as exc:
        return "WRONGPASS" not in str(exc)
    finally:
        client.close()


def _dryrun(client: redis.Redis, user: str, commands: list[list[str]]) -> list[str]:
    """The replies of ACL DRYRUN for each command, in one round trip ("OK" when allowed)."""
    pipe = client.pipeline(transaction=False)
    for command in commands:
        pipe.execute_command("ACL", "DRYRUN", user, *command)
    return [str(reply) for reply in pipe.execute(raise_on_error=False)]
