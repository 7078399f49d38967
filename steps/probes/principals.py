"""Who a sentence names, resolved through the stack profile to the stack's own user and role names.

    "exchange adapter"  -> the exchange domain's Redis user / PostgreSQL role
    "monitor user"      -> the operational Redis user (healthcheck, registry, monitor, admin) or
                           PostgreSQL role (monitor)
    "superuser"         -> the PostgreSQL superuser
    "{exchange}"        -> in a key or command: the exchange domain's key namespace
"""
from __future__ import annotations

import re

from trading_harness.profile import StackProfile

_WHO = re.compile(r"^(?:the )?(?P<name>\w+) (?P<kind>adapter|user|role)$")
_NAMESPACE = re.compile(r"\{(?P<domain>\w+)\}")


def redis_user(profile: StackProfile, who: str) -> str:
    """The ACL user a phrase such as "exchange adapter" or "healthcheck user" names."""
    m = _WHO.match(who.strip())
    if not m:
        raise AssertionError(f"cannot tell which Redis user {who!r} is: write '<domain> adapter' or '<part> user'")
    if m["kind"] == "adapter":
        return profile.domain_name(m["name"], "redis_user")
    return profile.user(m["name"])


def postgres_role(profile: StackProfile, who: str) -> str:
    """The login role a phrase such as "exchange adapter", "monitor user" or "superuser" names."""
    if who.strip() in ("superuser", "the superuser"):
        return profile.superuser
    m = _WHO.match(who.strip())
    if not m:
        raise AssertionError(f"cannot tell which PostgreSQL role {who!r} is: write '<domain> adapter', "
                             f"'monitor user' or 'superuser'")
    if m["kind"] == "adapter":
        return profile.domain_name(m["name"], "role")
    return profile.role(m["name"])


def schema(profile: StackProfile, domain: str) -> str:
    return profile.domain_name(domain, "schema")


def with_namespaces(profile: StackProfile, text: str) -> str:
    """`{exchange}:key` -> `<the exchange domain's namespace>:key`."""
    return _NAMESPACE.sub(lambda m: profile.domain_name(m["domain"], "namespace"), text)
