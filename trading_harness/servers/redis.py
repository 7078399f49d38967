"""redis-server with the stack's redis.conf and users.acl.

The files are the stack's code, so the server gets least privilege: the unprivileged server user
and its own group (never root), a minimal environment, and, where bubblewrap runs, a read-only
system view with only its data dir writable and the stack folder readable (servers/sandbox.py).
It shares the host's network: the tests reach it on loopback TCP.
"""
from __future__ import annotations

import redis

from trading_harness.servers.base import LocalServer
from trading_harness.servers.identity import server_env, server_identity
from trading_harness.servers.processes import Confinement, ManagedProcess, find_binary


class RedisServer(LocalServer):
    """Ready when PING as the profile's healthcheck ACL user answers PONG."""

    def prepare(self) -> None:
        self.binary = find_binary("redis-server")
        self.identity = server_identity()
        self.data = self.workdir / "redis-data"
        self.data.mkdir(exist_ok=True)
        self.identity.chown(self.data)

    def command(self) -> ManagedProcess:
        d = self.definition
        argv = [self.binary, str(d.redis_conf),
                "--port", str(self.port), "--bind", self.host, "--protected-mode", "yes",
                "--aclfile", str(d.acl_file), "--dir", str(self.data),
                "--daemonize", "no", "--supervised", "no", "--logfile", "",
                "--save", "", "--appendonly", "yes" if self.persistent else "no"]
        readable = [d.root, d.redis_conf.parent, d.acl_file.parent]
        return ManagedProcess(self.name, argv, self.log_path, env=server_env(), cwd=self.data,
                              confinement=Confinement(self.identity, writable=[self.data], readable=readable))

    def probe(self) -> bool:
        user = self.definition.profile.user("healthcheck")
        client = redis.Redis(host=self.host, port=self.port, username=user,
                             password=self.definition.redis_password(user),
                             socket_timeout=1, socket_connect_timeout=1)
        try:
            return client.ping()
        finally:
            client.close()
