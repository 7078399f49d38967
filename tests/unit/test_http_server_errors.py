"""The reference simulators' HTTP server: a request that breaks outside the router is logged through logging (one
JSON line where the service logs JSON), never as a plain-text traceback on stderr; metrics answer at both of the
contract's paths. Unit tests: no server binds."""
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


def test_the_registry_serves_its_metrics_at_both_paths_of_the_contract():
    """A reference simulator standing in for a service whose stack scrapes /api/v1/metrics answers there too."""
    from simulators.common.http import Request
    from simulators.common.metrics import Metrics
    from simulators.registry.app import build_router
    from simulators.registry.settings import Settings

    settings = Settings.from_env({"HTTP_PORT": "8080", "REDIS_URL": "redis://127.0.0.1:1/0"})
    router = build_router(settings, client=None, metrics=Metrics("service-registry", "service-registry", "1.0.0"))
    bodies = []
    for path in ("/metrics", "/api/v1/metrics"):
        reply = router.dispatch(Request("GET", path, {}, {}, b""))
        assert reply.status == 200, (path, reply)
        bodies.append(reply.body)
    families = [sorted(line for line in body.decode().splitlines() if line.startswith("# TYPE")) for body in bodies]
    assert families[0] and families[0] == families[1]  # the same metrics (their values move: gc, cpu)
