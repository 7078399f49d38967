"""A request that breaks outside the router is logged through logging (one JSON line where the service logs
JSON), never as socketserver's plain-text traceback on stderr. Unit test: no server binds."""
from __future__ import annotations

import logging

from simulators.common.http import JsonHTTPServer


def test_a_broken_connection_is_one_log_record_not_stderr(caplog, capsys):
    with caplog.at_level(logging.WARNING, logger="http"):
        try:
            raise ConnectionResetError("peer gone")
        except ConnectionResetError:
            JsonHTTPServer.handle_error(None, None, ("127.0.0.1", 40000))
    assert capsys.readouterr().err == ""
    (record,) = [r for r in caplog.records if r.name == "http"]
    assert "127.0.0.1" in record.getMessage() and record.exc_info[0] is ConnectionResetError
