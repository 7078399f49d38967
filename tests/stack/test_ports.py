"""Port allocation: no two servers of a run are handed the same port."""
from __future__ import annotations

import socket

from trading_harness.definition import StackDefinition
from trading_harness.servers import ports
from trading_harness.servers.ports import free_port, free_ports
from trading_harness.servers.redis import RedisServer


def test_no_port_is_handed_out_twice_in_a_process():
    handed = [free_port() for _ in range(300)] + free_ports(300)
    assert len(set(handed)) == len(handed)


def test_a_port_the_kernel_offers_again_is_skipped(monkeypatch):
    first = free_port()
    offered = iter([first, first, first + 1 if first < 65535 else first - 1])

    class Socket(socket.socket):
        def getsockname(self):
            return ("127.0.0.1", next(offered))

    monkeypatch.setattr(ports.socket, "socket", Socket)
    assert free_ports(1) == [first + 1 if first < 65535 else first - 1]


def test_a_server_whose_port_was_taken_since_it_was_picked_picks_another(tmp_path):
    definition = StackDefinition.load()
    server = RedisServer(definition.services["redis"], definition, tmp_path)
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", server.port))
    squatter.listen()
    try:
        taken = server.port
        server.prepare()
        server.spawn()
        try:
            assert server.port != taken
            server.wait_ready(20)
        finally:
            server.stop()
    finally:
        squatter.close()
