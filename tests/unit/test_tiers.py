"""The tiers: the folder gives the markers, and a fast-tier test that starts a server fails."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest

from trading_harness.errors import StackStartError
from trading_harness.servers.processes import ManagedProcess

from ..tiers import TESTS, tier_of


def test_the_folder_names_the_tier():
    assert tier_of(TESTS / "unit" / "test_x.py") == "unit"
    assert tier_of(TESTS / "can_fail" / "test_x_can_fail.py") == "can_fail"
    assert tier_of(TESTS / "test_new.py") is None, "a file at tests/ top level is unplaced (counted slow)"
    assert tier_of(TESTS.parent / "features" / "test_x.py") is None


def test_this_fast_tier_test_is_unit_and_not_slow(request):
    assert request.node.get_closest_marker("unit") and not request.node.get_closest_marker("slow")


def test_a_listening_socket_fails_the_fast_tier_test():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(pytest.fail.Exception, match="starts no server"):
            sock.listen()


def test_a_server_binary_fails_the_fast_tier_test():
    with pytest.raises(pytest.fail.Exception, match="redis-server"):
        subprocess.Popen(["redis-server", "--port", "0"])


def test_the_harness_refuses_its_servers_in_subprocesses_of_the_fast_tier(tmp_path):
    assert os.environ["HARNESS_FAST_TIER"] == "1", "subprocesses inherit the refusal"
    with pytest.raises(StackStartError, match="fast test tier"):
        ManagedProcess("redis", ["redis-server", "--port", "0"], tmp_path / "log").start()
