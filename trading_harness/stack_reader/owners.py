"""Which environment variables of a one-shot step name the owner of what it creates (TSE-0001.12.0).

A volume initialisation step hands the directories it makes to the user the instances run as; the
compose file says which user through a variable such as VOLUME_UID=10001, OWNER=10001:10001 or
CHOWN_GID=10001. The lint of the owner (steps/probes/volume_init.py) and the embedded target, which
runs steps and services as one user and gives the step that user's ids (trading_harness/servers/script.py),
read them with this one rule.
"""
from __future__ import annotations

import re

_OWNER_KEY = re.compile(r"UID|GID|OWNER|CHOWN", re.IGNORECASE)
_GROUP_ONLY = re.compile(r"GID|GROUP", re.IGNORECASE)
_IDS = re.compile(r"^\s*(?P<uid>\d{1,10})(?::(?P<gid>\d{1,10}))?\s*$")


def owner_variables(env: dict[str, str]) -> dict[str, tuple[int, int | None]]:
    """KEY -> (id, group id or None) for every variable whose name says owner and whose value is `n` or `n:m`."""
    found = {}
    for key, value in env.items():
        m = _IDS.match(str(value)) if _OWNER_KEY.search(key) else None
        if m:
            found[key] = (int(m["uid"]), int(m["gid"]) if m["gid"] else None)
    return found


def is_group_only(key: str) -> bool:
    """VOLUME_GID names a group, not a user (VOLUME_UID, OWNER do)."""
    return bool(_GROUP_ONLY.search(key)) and "UID" not in key.upper() and "OWNER" not in key.upper()


def user_ids(env: dict[str, str]) -> dict[str, int]:
    """KEY -> the user id a variable gives the directories to (group-only variables left out)."""
    return {key: ids[0] for key, ids in owner_variables(env).items() if not is_group_only(key)}


def as_local(key: str, value: str, uid: int, gid: int) -> str:
    """The variable's value with the local user's ids (the services' user) in place of the image's (the embedded target)."""
    m = _IDS.match(str(value))
    if not m:
        return value
    if m["gid"]:
        return f"{uid}:{gid}"
    return str(gid if is_group_only(key) else uid)
