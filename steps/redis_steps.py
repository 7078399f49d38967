"""Sentences about Redis: connections as ACL users, commands and configuration."""
from __future__ import annotations

import re

import pytest
from pytest_bdd import given, parsers, then, when

from steps.probes.outcome import Outcome
from steps.probes.principals import redis_user, with_namespaces
from steps.probes.redis_probe import RedisProbe
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

WRONG_PASSWORD = "not-the-password"
_MEMORY = re.compile(r"^\s*(?P<n>\d+)\s*(?P<unit>k|kb|m|mb|g|gb)?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}


def memory_bytes(text: str) -> int | None:
    """Bytes in a redis.conf memory value (4gb, 4096mb, 4294967296), as Redis reads it; None if not one."""
    m = _MEMORY.match(text)
    return int(m["n"]) * _UNITS[(m["unit"] or "").lower() or None] if m else None


@pytest.fixture
def redis_probes():
    opened: list[RedisProbe] = []
    yield opened
    for probe in opened:
        probe.close()


def _open(stack: Stack, evidence: Evidence, probes: list, user: str | None, password: str | None) -> RedisProbe:
    address = stack.address(stack.definition.profile.service("redis"))
    probe = RedisProbe(address.host, address.port, user, password, evidence)
    probes.append(probe)
    return probe


@given(parsers.re(r"a Redis connection as the (?P<who>\w+ (?:adapter|user))$"), target_fixture="redis_session")
def redis_connection(stack: Stack, evidence: Evidence, redis_probes: list, who: str) -> RedisProbe:
    user = redis_user(stack.definition.profile, who)
    return _open(stack, evidence, redis_probes, user, stack.definition.redis_password(user))


@given(parsers.re(r"a Redis connection as the (?P<who>\w+ (?:adapter|user)) with a wrong password$"),
       target_fixture="redis_session")
def redis_connection_wrong_password(stack: Stack, evidence: Evidence, redis_probes: list, who: str) -> RedisProbe:
    return _open(stack, evidence, redis_probes, redis_user(stack.definition.profile, who), WRONG_PASSWORD)


@given("an unauthenticated Redis connection", target_fixture="redis_session")
def redis_connection_anonymous(stack: Stack, evidence: Evidence, redis_probes: list) -> RedisProbe:
    return _open(stack, evidence, redis_probes, None, None)


@when(parsers.parse('it runs "{command}"'), target_fixture="outcome")
def it_runs(stack: Stack, redis_session: RedisProbe, command: str) -> Outcome:
    return redis_session.run(*with_namespaces(stack.definition.profile, command).split())


@when(parsers.parse('it authenticates as "{user}" with password "{password}"'), target_fixture="outcome")
def it_authenticates(redis_session: RedisProbe, user: str, password: str) -> Outcome:
    return redis_session.run("AUTH", user, password)


@when(parsers.parse('it sets, reads and deletes "{key}"'), target_fixture="outcome")
def set_get_del(stack: Stack, redis_session: RedisProbe, key: str) -> Outcome:
    key = with_namespaces(stack.definition.profile, key)
    steps = [redis_session.run("SET", key, "acceptance"), redis_session.run("GET", key), redis_session.run("DEL", key)]
    failed = [o for o in steps if not o.ok]
    if failed:
        return failed[0]
    replies = [o.reply for o in steps]
    return Outcome(replies[1] == b"acceptance" and replies[2] == 1, reply=replies,
                   error=f"unexpected replies {replies!r}", code="MISMATCH")


@then("it is refused each of these commands:")
def refused_each(stack: Stack, redis_session: RedisProbe, datatable):
    allowed = []
    for row in datatable[1:]:
        outcome = redis_session.run(*with_namespaces(stack.definition.profile, row[0]).split())
        if outcome.code != "NOPERM":
            allowed.append(f"{row[0]} -> {outcome}")
    assert not allowed, f"{redis_session.user} was not refused with NOPERM:\n" + "\n".join(allowed)


@then("it may run each of these commands:")
def may_run_each(stack: Stack, redis_session: RedisProbe, datatable):
    profile = stack.definition.profile
    refused = [f"{row[0]} -> {o}" for row in datatable[1:]
               if not (o := redis_session.run(*with_namespaces(profile, row[0]).split())).ok]
    assert not refused, f"{redis_session.user} was refused:\n" + "\n".join(refused)


@then(parsers.parse('redis.conf sets "{directive}" to "{value}"'))
def conf_sets(stack: Stack, directive: str, value: str):
    configured = stack.definition.redis_conf_value(directive)
    same = configured == value or (configured is not None and memory_bytes(configured) == memory_bytes(value) is not None)
    assert same, f"{stack.definition.redis_conf}: {directive} is {configured!r}, expected {value!r}"


@then(parsers.parse('the running Redis reports "{directive}" as "{value}"'))
def running_reports(stack: Stack, evidence: Evidence, redis_probes: list, directive: str, value: str):
    user = stack.definition.profile.user("admin")
    admin = _open(stack, evidence, redis_probes, user, stack.definition.redis_password(user))
    outcome = admin.run("CONFIG", "GET", directive)
    assert outcome.ok, f"CONFIG GET {directive} as admin: {outcome}"
    reply = outcome.reply if isinstance(outcome.reply, dict) else dict(zip(outcome.reply[::2], outcome.reply[1::2]))
    reply = {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
             for k, v in reply.items()}
    live = reply.get(directive, "")
    assert live == value, f"running Redis has {directive}={live!r}, expected {value!r}"
