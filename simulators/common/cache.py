"""The Redis side of a simulator's data adapter: its own ACL user, confined to its namespace."""
from __future__ import annotations

import redis
from redis.backoff import ConstantBackoff
from redis.retry import Retry


class Cache:
    """Keys are always `<namespace>:<suffix>`."""

    def __init__(self, url: str, namespace: str, instance: str, *, timeout: float = 1.0):
        self.namespace = namespace
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(ConstantBackoff(0.05), 1), decode_responses=True)

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, *parts))

    def check(self) -> tuple[bool, str]:
        try:
            self.client.ping()
            return True, "ok"
        except redis.RedisError as exc:
            return False, str(exc) or type(exc).__name__

    def identity(self) -> dict[str, str]:
        """The ACL user the adapter authenticates as (the seeds' ACL denies ACL WHOAMI to adapters)."""
        self.client.ping()
        user = self.client.connection_pool.connection_kwargs.get("username") or "default"
        return {"user": user, "namespace": self.namespace}

    def close(self) -> None:
        self.client.close()
