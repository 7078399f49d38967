"""Diagnostics a failing scenario carries: service log tails, Redis ACL LOG entries, the PostgreSQL log."""
from __future__ import annotations

from trading_harness.masking import mask
from trading_harness.targets.stack import Stack

LOG_LINES = 40
ACL_LOG_ENTRIES = 50
ACL_LOG_MARGIN = 1.0  # seconds: ACL LOG ages are whole milliseconds apart from our clock
TIMEOUT = 2.0


def relevant_services(stack: Stack, tags: list[str], example: dict | None) -> list[str]:
    """Services the scenario names by tag or Examples value; every service when it names none."""
    named = set(tags) | set((example or {}).values())
    services = [s for s in stack.services if s in named]
    return services or list(stack.services)


def log_tails(stack: Stack, services: list[str]) -> list[tuple[str, str]]:
    """(attachment name, masked log tail) per service, PostgreSQL's always included."""
    wanted = list(services)
    wanted += [name for name, spec in stack.definition.services.items()
               if _kind(spec) == "postgres" and name in stack.services and name not in wanted]
    found = []
    for service in wanted:
        try:
            text = stack.logs(service, LOG_LINES)
        except Exception as exc:  # noqa: BLE001 - a diagnostic must not hide the failure
            text = f"(could not read the log: {exc})"
        found.append((f"{service} log (last {LOG_LINES} lines)", mask(text or "(empty)")))
    return found


def _kind(spec) -> str | None:
    try:
        return spec.kind
    except Exception:  # noqa: BLE001 - a service the embedded runner does not know
        return None


def acl_log(stack: Stack, since_seconds: float) -> tuple[str, str] | None:
    """Redis ACL LOG entries made in the last `since_seconds` (the scenario), read as the admin user."""
    if stack.definition.profile.service("redis") not in stack.services:
        return None
    try:
        import redis
        client = redis.Redis.from_url(stack.redis_url(stack.definition.profile.user("admin")), socket_timeout=TIMEOUT,
                                      socket_connect_timeout=TIMEOUT, decode_responses=True)
        try:
            entries = client.acl_log(count=ACL_LOG_ENTRIES)
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        return "Redis ACL LOG", mask(f"(could not read ACL LOG as the admin user: {exc})")
    recent = [e for e in entries if float(e.get("age-seconds", 1e9)) <= since_seconds + ACL_LOG_MARGIN]
    if not recent:
        return "Redis ACL LOG", f"(no ACL LOG entry in the last {since_seconds:.1f}s)"
    lines = []
    for entry in recent:
        client_info = entry.get("client-info") or {}
        addr = client_info.get("addr", "?") if isinstance(client_info, dict) else client_info
        lines.append(f"{entry.get('reason')}: user={entry.get('username')} context={entry.get('context')} "
                     f"object={entry.get('object')} count={entry.get('count')} age={entry.get('age-seconds')}s "
                     f"client={addr}")
    return "Redis ACL LOG (entries made during the scenario)", mask("\n".join(lines))


def collect(stack: Stack, tags: list[str], example: dict | None, since_seconds: float) -> list[tuple[str, str]]:
    found = log_tails(stack, relevant_services(stack, tags, example))
    entry = acl_log(stack, since_seconds)
    if entry:
        found.append(entry)
    return found
