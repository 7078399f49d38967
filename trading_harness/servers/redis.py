"""redis-server with the stack's redis.conf and users.acl."""
from __future__ import annotations

import redis

from trading_harness.servers.base import LocalServer
from trading_harness.servers.processes import ManagedProcess, find_binary


class RedisServer(LocalServer):
    """Ready when PING as the profile's healthcheck ACL user answers PONG."""

    def prepare(self) -> None:
        self.binary = find_binary("redis-server")
        (self.workdir / "redis-data").mkdir(exist_ok=True)

    def command(self) -> ManagedProcess:
        d = self.definition
        argv = [self.binary, str(d.redis_conf),
                "--port", str(self.port), "--bind", self.host, "--protected-mode", "yes",
                "--aclfile", str(d.acl_file), "--dir", str(self.workdir / "redis-data"),
                "--daemonize", "no", "--supervised", "no", "--logfile", "",
                "--save", "", "--appendonly", "yes" if self.persistent else "no"]
        return ManagedProcess(self.name, argv, self.log_path)

    def probe(self) -> bool:
        user = self.definition.profile.user("healthcheck")
        client = redis.Redis(host=self.host, port=self.port, username=user,
                             password=self.definition.redis_password(user),
                             socket_timeout=1, socket_connect_timeout=1)
        try:
            return client.ping()
        finally:
            client.close()
