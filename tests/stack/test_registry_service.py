"""The service registry (`python -m simulators.registry`) as a black box.

Each test talks HTTP to a real registry process backed by a real redis-server, both
started here on free loopback ports, with an ACL that gives the `registry` user only
~registry:* ~config:* and @read @write @keyspace (minus @dangerous) + PING.
Everything started here is stopped in teardown.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import redis

from trading_harness.polling import holds_for, wait_until
from trading_harness.servers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)")

ADMIN_PASS = "admin-pass-for-tests"
REGISTRY_PASS = "registry-pass-for-tests"
ACL = f"""user default off
user admin on >{ADMIN_PASS} ~* &* +@all
user registry on >{REGISTRY_PASS} ~registry:* ~config:* resetchannels -@all +@read +@write +@keyspace -@dangerous +ping
"""
READY_TIMEOUT = 15.0
HTTP_TIMEOUT = 5.0


# -- processes ------------------------------------------------------------------------

def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode


class RedisServer:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        (workdir / "users.acl").write_text(ACL)
        self.process: subprocess.Popen | None = None

    def url(self, user: str, password: str) -> str:
        return f"redis://{user}:{password}@127.0.0.1:{self.port}/0"

    def admin(self) -> redis.Redis:
        return redis.Redis.from_url(self.url("admin", ADMIN_PASS), socket_timeout=2, socket_connect_timeout=2,
                                    decode_responses=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir),
             "--aclfile", str(self.workdir / "users.acl"), "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.admin()

        def answers() -> bool:
            assert self.process.poll() is None, f"redis-server exited: {(self.workdir / 'redis.log').read_text()}"
            return client.ping()
        wait_until(answers, READY_TIMEOUT, message=f"redis-server on port {self.port} answers PING")
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
            self.process = None


class Registry:
    def __init__(self, workdir: Path, redis_server: RedisServer, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"registry-{self.port}.log"
        self.env = {
            **os.environ,
            "HTTP_PORT": str(self.port),
            "REDIS_URL": redis_server.url("registry", REGISTRY_PASS),
            "SERVICE_TTL": "60s",
            "HEARTBEAT_INTERVAL": "1s",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "debug",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> Registry:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "simulators.registry"], cwd=ROOT, env=self.env,
                                            stdout=subprocess.DEVNULL, stderr=log)
        if wait:
            def listening() -> bool:
                assert self.process.poll() is None, f"registry exited {self.process.returncode}: {self.log()}"
                return httpx.get(f"{self.url}/health", timeout=1.0).status_code in (200, 503)
            wait_until(listening, READY_TIMEOUT, message=f"registry on port {self.port} answers /health")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        code = _stop(self.process, sig) if self.process else 0
        self.process = None
        return code


# -- fixtures -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin(redis_server):
    client = redis_server.admin()
    yield client
    client.close()


@pytest.fixture(scope="module")
def registry(redis_server, tmp_path_factory):
    process = Registry(tmp_path_factory.mktemp("registry"), redis_server).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def short_ttl_registry(redis_server, tmp_path_factory):
    process = Registry(tmp_path_factory.mktemp("registry-ttl"), redis_server,
                       SERVICE_TTL="1s", HEARTBEAT_INTERVAL="200ms").start()
    yield process
    process.stop()


@pytest.fixture
def api(registry):
    with httpx.Client(base_url=registry.url, timeout=HTTP_TIMEOUT) as client:
        yield client


@pytest.fixture
def name():
    return "svc-" + uuid.uuid4().hex[:10]


def entry(name: str, instance: str | None = None, **overrides) -> dict:
    body = {"name": name, "host": "10.0.0.5", "ports": {"http": 8080, "grpc": 9090}, "version": "1.2.3",
            "metadata": {"zone": "a"}}
    if instance:
        body["instance"] = instance
    body.update(overrides)
    return body


def keys_with(admin: redis.Redis, token: str) -> list[str]:
    return sorted(admin.scan_iter(match=f"*{token}*", count=1000))


def assert_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) >= {"error", "message"}, body
    assert body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"]


# -- health and registration ----------------------------------------------------------

def test_health_reports_registry_and_redis(api):
    reply = api.get("/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "healthy", "service": "service-registry", "redis": "ok"}


def test_register_stores_entry_under_documented_key_with_ttl(api, admin, name):
    reply = api.post("/api/v1/services", json=entry(name, f"{name}-1"))
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["ttl_seconds"] == 60 and body["heartbeat_interval_seconds"] == 1
    assert body["status"] == "healthy" and body["registered_at"] == body["last_heartbeat"]
    stored = json.loads(admin.get(f"registry:services:{name}:{name}-1"))
    assert stored == {k: v for k, v in body.items() if k not in ("ttl_seconds", "heartbeat_interval_seconds")}
    assert stored["ports"] == {"http": 8080, "grpc": 9090} and stored["metadata"] == {"zone": "a"}
    assert 0 < admin.pttl(f"registry:services:{name}:{name}-1") <= 60_000


def test_instance_defaults_to_name_and_reregistering_replaces(api, admin, name):
    assert api.post("/api/v1/services", json=entry(name)).status_code == 201
    assert api.post("/api/v1/services", json=entry(name, host="10.0.0.9")).status_code == 201
    found = api.get(f"/api/v1/services/{name}").json()
    assert found["name"] == name
    assert [(i["instance"], i["host"]) for i in found["instances"]] == [(name, "10.0.0.9")]
    assert keys_with(admin, name) == [f"registry:services:{name}:{name}"]


def test_discovery_returns_only_that_service(api, name):
    for service, instance in ((name, "a"), (name, "b"), (f"{name}-other", "a")):
        assert api.post("/api/v1/services", json=entry(service, instance)).status_code == 201
    found = api.get(f"/api/v1/services/{name}")
    assert found.status_code == 200
    assert sorted(i["instance"] for i in found.json()["instances"]) == ["a", "b"]
    assert_error(api.get(f"/api/v1/services/{name}-missing"), 404, "not_found")


def test_list_shows_every_live_entry(api, name):
    wanted = {(f"{name}-{n}", "main") for n in range(3)}
    for service, instance in wanted:
        assert api.post("/api/v1/services", json=entry(service, instance)).status_code == 201
    listed = api.get("/api/v1/services")
    assert listed.status_code == 200
    assert wanted <= {(e["name"], e["instance"]) for e in listed.json()["services"]}


def test_heartbeat_refreshes_ttl_and_status(api, admin, name):
    key = f"registry:services:{name}:{name}"
    registered = api.post("/api/v1/services", json=entry(name)).json()
    admin.pexpire(key, 5_000)
    reply = api.put(f"/api/v1/services/{name}/{name}/heartbeat", json={"status": "degraded"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "degraded"
    assert reply.json()["last_heartbeat"] >= registered["last_heartbeat"]
    assert reply.json()["registered_at"] == registered["registered_at"]
    assert admin.pttl(key) > 5_000
    assert api.put(f"/api/v1/services/{name}/{name}/heartbeat").status_code == 200  # empty body is fine


def test_heartbeat_for_unknown_instance_is_404_and_writes_nothing(api, admin, name):
    assert_error(api.put(f"/api/v1/services/{name}/{name}/heartbeat"), 404, "not_found")
    assert keys_with(admin, name) == []


def test_deregister(api, admin, name):
    api.post("/api/v1/services", json=entry(name, "one"))
    reply = api.delete(f"/api/v1/services/{name}/one")
    assert reply.status_code == 204 and reply.content == b""
    assert_error(api.get(f"/api/v1/services/{name}"), 404, "not_found")
    assert_error(api.delete(f"/api/v1/services/{name}/one"), 404, "not_found")
    assert keys_with(admin, name) == []


# -- rejected requests ----------------------------------------------------------------

JSON = {"Content-Type": "application/json"}
BAD_REQUESTS = {
    "malformed JSON": ("POST", "/api/v1/services", JSON, b'{"name": "NAME", "host":', 400, "invalid_json"),
    "empty body": ("POST", "/api/v1/services", JSON, b"", 400, "invalid_json"),
    "NaN is not JSON": ("POST", "/api/v1/services", JSON, b'{"name": "NAME", "x": NaN}', 400, "invalid_json"),
    "invalid UTF-8": ("POST", "/api/v1/services", JSON, b'{"name": "NAME\xff"}', 400, "invalid_json"),
    "nested too deeply": ("POST", "/api/v1/services", JSON, b"[" * 30_000 + b"]" * 30_000, 400, "invalid_json"),
    "not an object": ("POST", "/api/v1/services", JSON, b'["NAME"]', 422, "wrong_type"),
    "not JSON content type": ("POST", "/api/v1/services", {"Content-Type": "text/plain"},
                              json.dumps(entry("NAME")).encode(), 415, "unsupported_media_type"),
    "no content type": ("POST", "/api/v1/services", {}, json.dumps(entry("NAME")).encode(), 415,
                        "unsupported_media_type"),
    "missing name": ("POST", "/api/v1/services", JSON,
                     json.dumps({k: v for k, v in entry("x", "NAME").items() if k != "name"}).encode(), 422,
                     "missing_field"),
    "name not a string": ("POST", "/api/v1/services", JSON, json.dumps(entry(7, "NAME")).encode(), 422,
                          "wrong_type"),
    "name with capitals": ("POST", "/api/v1/services", JSON, json.dumps(entry("Bad_NAME")).encode(), 422,
                           "invalid_name"),
    "missing host": ("POST", "/api/v1/services", JSON,
                     json.dumps({k: v for k, v in entry("NAME").items() if k != "host"}).encode(), 422,
                     "missing_field"),
    "host with a path": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", host="a/b")).encode(), 422,
                         "invalid_value"),
    "missing ports": ("POST", "/api/v1/services", JSON,
                      json.dumps({k: v for k, v in entry("NAME").items() if k != "ports"}).encode(), 422,
                      "missing_field"),
    "missing version": ("POST", "/api/v1/services", JSON,
                        json.dumps({k: v for k, v in entry("NAME").items() if k != "version"}).encode(), 422,
                        "missing_field"),
    "ports wrong type": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", ports="8080")).encode(), 422,
                         "wrong_type"),
    "no ports": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", ports={})).encode(), 422,
                 "invalid_value"),
    "port as string": ("POST", "/api/v1/services", JSON,
                       json.dumps(entry("NAME", ports={"http": "8080"})).encode(), 422, "wrong_type"),
    "port as boolean": ("POST", "/api/v1/services", JSON,
                        json.dumps(entry("NAME", ports={"http": True})).encode(), 422, "wrong_type"),
    "port zero": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", ports={"http": 0})).encode(), 422,
                  "out_of_range"),
    "port out of range": ("POST", "/api/v1/services", JSON,
                          json.dumps(entry("NAME", ports={"http": 70000})).encode(), 422, "out_of_range"),
    "metadata not strings": ("POST", "/api/v1/services", JSON,
                             json.dumps(entry("NAME", metadata={"n": 1})).encode(), 422, "wrong_type"),
    "unknown field": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", port=1)).encode(), 422,
                      "unknown_field"),
    "NUL in host": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", host="10.0.0.1\u0000x")).encode(),
                    422, "invalid_value"),
    "NUL in metadata": ("POST", "/api/v1/services", JSON,
                        json.dumps(entry("NAME", metadata={"k\u0000": "v"})).encode(), 422, "invalid_value"),
    "lone surrogate in version": ("POST", "/api/v1/services", JSON,
                                  json.dumps(entry("NAME", version="1\ud800")).encode(), 422, "invalid_value"),
    "control character in host": ("POST", "/api/v1/services", JSON,
                                  json.dumps(entry("NAME", host="10.0.0.1\u0007")).encode(), 422, "invalid_value"),
    "NUL in a path": ("DELETE", "/api/v1/services/NAME%00/NAME", {}, b"", 400, "invalid_character"),
    "NUL in a config value": ("PUT", "/api/v1/config/NAME/greeting", JSON,
                              json.dumps({"value": "a\u0000", "type": "string"}).encode(), 422, "invalid_value"),
    "infinite number": ("PUT", "/api/v1/config/NAME/limit", JSON, b'{"value": 1e400, "type": "number"}', 400,
                        "invalid_json"),
    "bad status": ("POST", "/api/v1/services", JSON, json.dumps(entry("NAME", status="great")).encode(), 422,
                   "invalid_value"),
    "unknown route": ("POST", "/api/v1/servicez", JSON, json.dumps(entry("NAME")).encode(), 404, "not_found"),
    "wrong method": ("PATCH", "/api/v1/services", JSON, json.dumps(entry("NAME")).encode(), 405,
                     "method_not_allowed"),
    "unknown method": ("BREW", "/api/v1/services", JSON, json.dumps(entry("NAME")).encode(), 405,
                       "method_not_allowed"),
    "body too large": ("POST", "/api/v1/services", JSON,
                       json.dumps(entry("NAME", metadata={"pad": "x" * 100_000})).encode(), 413,
                       "payload_too_large"),
    "bad name in path": ("PUT", "/api/v1/services/NAME_x/NAME/heartbeat", {}, b"", 422, "invalid_name"),
    "bad heartbeat body": ("PUT", "/api/v1/services/NAME/NAME/heartbeat", JSON, b'{"status": "fine"}', 422,
                           "invalid_value"),
}


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_bad_request_is_rejected_with_json_error_and_writes_nothing(api, admin, name, case):
    method, path, headers, content, status, error = BAD_REQUESTS[case]
    if case == "bad heartbeat body":  # the instance exists; the heartbeat must not touch it
        api.post("/api/v1/services", json=entry(name))
        before = admin.get(f"registry:services:{name}:{name}")
    reply = api.request(method, path.replace("NAME", name), headers=headers, content=content.replace(b"NAME", name.encode()))
    assert_error(reply, status, error)
    if status == 405:
        assert "POST" in reply.headers["allow"]
    if case == "bad heartbeat body":
        assert admin.get(f"registry:services:{name}:{name}") == before
    else:
        assert keys_with(admin, name) == []
    assert api.get("/health").status_code == 200  # and the server still answers


def test_bad_http_request_line_gets_json_error(registry):
    with socket.create_connection(("127.0.0.1", registry.port), timeout=HTTP_TIMEOUT) as sock:
        sock.sendall(b"GET / too many HTTP/1.1\r\n\r\n")
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0]
    assert json.loads(body)["error"] == "bad_request"


def test_slow_client_is_disconnected_and_others_are_served(redis_server, tmp_path):
    registry = Registry(tmp_path, redis_server, HTTP_REQUEST_TIMEOUT="300ms").start()
    try:
        with socket.create_connection(("127.0.0.1", registry.port), timeout=HTTP_TIMEOUT) as sock:
            sock.sendall(b"POST /api/v1/services HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            started = time.monotonic()
            assert sock.recv(4096) == b""  # closed by the server, not by our 5 s timeout
            assert time.monotonic() - started < 3
        assert httpx.get(f"{registry.url}/health", timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        assert registry.stop() == 0


# -- expiry ---------------------------------------------------------------------------

def test_entry_expires_after_ttl_without_heartbeats(short_ttl_registry, admin, name):
    with httpx.Client(base_url=short_ttl_registry.url, timeout=HTTP_TIMEOUT) as api:
        started = time.monotonic()
        assert api.post("/api/v1/services", json=entry(name)).json()["ttl_seconds"] == 1
        assert api.get(f"/api/v1/services/{name}").status_code == 200
        wait_until(lambda: api.get(f"/api/v1/services/{name}").status_code == 404, 1 + 2,
                   message="entry expired")
        assert time.monotonic() - started >= 0.9
        assert keys_with(admin, name) == []
        # a late heartbeat does not bring it back: the client must register again
        assert_error(api.put(f"/api/v1/services/{name}/{name}/heartbeat"), 404, "not_found")
        assert keys_with(admin, name) == []


def test_heartbeats_keep_entry_alive_beyond_ttl(short_ttl_registry, name):
    with httpx.Client(base_url=short_ttl_registry.url, timeout=HTTP_TIMEOUT) as api:
        api.post("/api/v1/services", json=entry(name))

        def heartbeat_and_discover() -> bool:
            return (api.put(f"/api/v1/services/{name}/{name}/heartbeat").status_code == 200
                    and api.get(f"/api/v1/services/{name}").status_code == 200)
        holds_for(heartbeat_and_discover, 2.5, interval=0.2, message="heartbeats keep the entry alive")
        assert api.get(f"/api/v1/services/{name}").status_code == 200


def test_ttl_zero_means_entries_never_expire(redis_server, admin, tmp_path, name):
    registry = Registry(tmp_path, redis_server, SERVICE_TTL="0").start()
    try:
        reply = httpx.post(f"{registry.url}/api/v1/services", json=entry(name), timeout=HTTP_TIMEOUT)
        assert reply.status_code == 201 and reply.json()["ttl_seconds"] == 0
        assert admin.pttl(f"registry:services:{name}:{name}") == -1
        heartbeat = httpx.put(f"{registry.url}/api/v1/services/{name}/{name}/heartbeat", timeout=HTTP_TIMEOUT)
        assert heartbeat.status_code == 200
        assert admin.pttl(f"registry:services:{name}:{name}") == -1
    finally:
        assert registry.stop() == 0


# -- configuration --------------------------------------------------------------------

def config_url(service: str, key: str | None = None, environment: str | None = None) -> str:
    url = f"/api/v1/config/{service}" + (f"/{key}" if key else "")
    return url + (f"?environment={environment}" if environment else "")


def test_config_set_and_get_with_versions(api, admin, name):
    first = api.put(config_url(name, "max_orders", "development"), json={"value": 100, "type": "integer"})
    assert first.status_code == 200, first.text
    assert first.json() | {"updated_at": None} == {
        "service": name, "environment": "development", "key": "max_orders", "value": 100, "type": "integer",
        "version": 1, "updated_at": None, "source_environment": "development"}
    stored = json.loads(admin.hget(f"config:{name}:development", "max_orders"))
    assert stored["value"] == 100 and stored["version"] == 1 and stored["type"] == "integer"
    second = api.put(config_url(name, "max_orders", "development"), json={"value": 250, "type": "integer"})
    assert second.json()["version"] == 2
    read = api.get(config_url(name, "max_orders", "development")).json()
    assert (read["value"], read["version"], read["source_environment"]) == (250, 2, "development")


def test_config_environment_values_and_default_fallback(api, name):
    for environment, host in (("default", "db"), ("development", "db-dev"), ("production", "db-prod")):
        reply = api.put(config_url(name, "database_url", environment),
                        json={"value": f"postgresql://{host}:5432/trading", "type": "url"})
        assert reply.status_code == 200, reply.text
    got = {env: api.get(config_url(name, "database_url", env)).json()
           for env in ("development", "production", "testing")}
    assert got["development"]["value"] == "postgresql://db-dev:5432/trading"
    assert got["production"]["value"] == "postgresql://db-prod:5432/trading"
    assert (got["testing"]["value"], got["testing"]["source_environment"]) == (
        "postgresql://db:5432/trading", "default")
    assert api.get(config_url(name, "database_url")).json()["environment"] == "default"
    assert_error(api.get(config_url(name, "nothing_here", "testing")), 404, "not_found")


def test_config_listing_merges_default_and_environment(api, name):
    api.put(config_url(name, "timeout", "default"), json={"value": "30s", "type": "duration"})
    api.put(config_url(name, "debug", "default"), json={"value": False, "type": "boolean"})
    api.put(config_url(name, "debug", "development"), json={"value": True, "type": "boolean"})
    listing = api.get(config_url(name, environment="development")).json()
    assert {k: (v["value"], v["source_environment"]) for k, v in listing["values"].items()} == {
        "debug": (True, "development"), "timeout": ("30s", "default")}
    assert api.get(config_url(f"{name}-none", environment="testing")).json()["values"] == {}


def test_config_delete(api, admin, name):
    api.put(config_url(name, "ratio", "testing"), json={"value": 0.5, "type": "number"})
    assert api.delete(config_url(name, "ratio", "testing")).status_code == 204
    assert admin.hget(f"config:{name}:testing", "ratio") is None
    assert_error(api.delete(config_url(name, "ratio", "testing")), 404, "not_found")


def test_config_limits_are_kept_for_later_updates(api, name):
    url = config_url(name, "max_position", "production")
    assert api.put(url, json={"value": 10, "type": "integer", "min": 1, "max": 100}).status_code == 200
    assert_error(api.put(url, json={"value": 500, "type": "integer"}), 422, "out_of_range")
    widened = api.put(url, json={"value": 500, "type": "integer", "max": 1000})
    assert widened.status_code == 200 and widened.json()["max"] == 1000


BAD_CONFIG = {
    "text for integer": ("max_position", "development", {"value": "ten", "type": "integer"}, "wrong_type"),
    "boolean for integer": ("max_position", "development", {"value": True, "type": "integer"}, "wrong_type"),
    "float for integer": ("max_position", "development", {"value": 1.5, "type": "integer"}, "wrong_type"),
    "integer for boolean": ("max_position", "development", {"value": 1, "type": "boolean"}, "wrong_type"),
    "above max": ("max_position", "development", {"value": 101, "type": "integer", "max": 100}, "out_of_range"),
    "below min": ("max_position", "development", {"value": -1.5, "type": "number", "min": 0}, "out_of_range"),
    "min above max": ("max_position", "development", {"value": 5, "type": "integer", "min": 9, "max": 1},
                      "invalid_value"),
    "limits on a string": ("max_position", "development", {"value": "a", "type": "string", "max": 1},
                           "invalid_value"),
    "url without scheme": ("max_position", "development", {"value": "db.local:5432", "type": "url"},
                           "invalid_value"),
    "url without host": ("max_position", "development", {"value": "http://", "type": "url"}, "invalid_value"),
    "bad duration": ("max_position", "development", {"value": "soon", "type": "duration"}, "invalid_value"),
    "bare number duration": ("max_position", "development", {"value": "30", "type": "duration"},
                             "invalid_value"),
    "unknown type": ("max_position", "development", {"value": 1, "type": "decimal"}, "invalid_value"),
    "missing value": ("max_position", "development", {"type": "integer"}, "missing_field"),
    "missing type": ("max_position", "development", {"value": 1}, "missing_field"),
    "unknown field": ("max_position", "development", {"value": 1, "type": "integer", "unit": "lots"},
                      "unknown_field"),
    "bad environment": ("max_position", "staging", {"value": 20, "type": "integer"}, "invalid_environment"),
    "bad key": ("Max Position", "development", {"value": 20, "type": "integer"}, "invalid_key"),
}


@pytest.mark.parametrize("case", BAD_CONFIG, ids=list(BAD_CONFIG))
def test_invalid_config_is_rejected_and_previous_value_kept(api, admin, name, case):
    key, environment, body, error = BAD_CONFIG[case]
    good = api.put(config_url(name, "max_position", "development"), json={"value": 10, "type": "integer"})
    assert good.status_code == 200
    before = {k: admin.hgetall(k) for k in keys_with(admin, name)}
    assert_error(api.put(config_url(name, key, environment), json=body), 422, error)
    assert {k: admin.hgetall(k) for k in keys_with(admin, name)} == before
    read = api.get(config_url(name, "max_position", "development")).json()
    assert (read["value"], read["version"]) == (10, 1)


def test_config_write_needs_json_content_type(api, admin, name):
    reply = api.put(config_url(name, "k", "development"), content=b'{"value": 1, "type": "integer"}')
    assert_error(reply, 415, "unsupported_media_type")
    assert keys_with(admin, name) == []


# -- Redis outage ---------------------------------------------------------------------

def test_redis_outage_gives_503_then_recovers_without_restart(tmp_path, name):
    server = RedisServer(tmp_path)
    server.start()
    registry = Registry(tmp_path, server).start()
    try:
        with httpx.Client(base_url=registry.url, timeout=HTTP_TIMEOUT) as api:
            assert api.post("/api/v1/services", json=entry(name)).status_code == 201
            server.stop()
            for method, path, body in (("GET", "/health", None), ("POST", "/api/v1/services", entry(name)),
                                       ("GET", "/api/v1/services", None), ("GET", f"/api/v1/services/{name}", None),
                                       ("PUT", config_url(name, "k", "testing"), {"value": 1, "type": "integer"})):
                started = time.monotonic()
                reply = api.request(method, path, json=body)
                assert time.monotonic() - started < HTTP_TIMEOUT
                assert reply.status_code == 503, (method, path, reply.text)
                error = reply.json()["error"]
                assert error == "redis_unavailable", reply.text
            assert api.get("/health").json()["status"] == "unhealthy"
            server.start()  # same port, same ACL; the data is gone (no persistence)
            wait_until(lambda: api.get("/health").status_code == 200, READY_TIMEOUT, message="registry healthy again")
            assert api.post("/api/v1/services", json=entry(name)).status_code == 201
            assert api.get(f"/api/v1/services/{name}").status_code == 200
    finally:
        assert registry.stop() == 0
        server.stop()


# -- process behaviour ----------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_cleanly_with_exit_0(redis_server, tmp_path, sig):
    registry = Registry(tmp_path, redis_server).start()
    assert registry.stop(sig) == 0
    assert '"msg": "stopped"' in registry.log()


def test_logs_are_json_lines_without_the_password(registry, api, name):
    api.post("/api/v1/services", json=entry(name))
    api.post("/api/v1/services", content=b"{", headers=JSON)
    lines = [line for line in registry.log().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "service", "msg"} <= set(r) for r in records)
    started = next(r for r in records if r["msg"] == "listening")
    assert started["redis_url"] == f"redis://registry:***@127.0.0.1:{registry.env['REDIS_URL'].rsplit(':', 1)[1]}"
    assert REGISTRY_PASS not in registry.log()
    assert any(r["msg"] == "request" and r.get("status") == 400 for r in records)


def test_text_log_format(redis_server, tmp_path):
    registry = Registry(tmp_path, redis_server, LOG_FORMAT="text").start()
    assert registry.stop() == 0
    assert " INFO    registry: listening " in registry.log()
    assert REGISTRY_PASS not in registry.log()


def test_busy_port_exits_1(redis_server, registry, tmp_path):
    clash = Registry(tmp_path, redis_server, HTTP_PORT=str(registry.port))
    clash.start(wait=False)
    assert clash.process.wait(timeout=READY_TIMEOUT) == 1
    assert "cannot listen" in clash.log()


VALID_ENV = {"HTTP_PORT": "8080", "REDIS_URL": "redis://registry:s3cret-pw@127.0.0.1:6379/0"}
INVALID_CONFIG = [
    ("HTTP_PORT", None), ("HTTP_PORT", "http"), ("HTTP_PORT", "70000"), ("HTTP_PORT", "-1"),
    ("REDIS_URL", None), ("REDIS_URL", "http://registry:s3cret-pw@127.0.0.1:6379/0"), ("REDIS_URL", "redis://"),
    ("REDIS_URL", "redis://registry:s3cret-pw@127.0.0.1:notaport/0"),
    ("SERVICE_TTL", "ninety"), ("SERVICE_TTL", "-5s"), ("SERVICE_TTL", "10d"),
    ("HEARTBEAT_INTERVAL", "0"), ("HEARTBEAT_INTERVAL", "fast"),
    ("CONFIG_ENVIRONMENTS", "dev,,prod"), ("CONFIG_ENVIRONMENTS", "Dev"), ("CONFIG_ENVIRONMENTS", "a,a"),
    ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "loud"),
]


@pytest.mark.parametrize(("variable", "value"), INVALID_CONFIG, ids=[f"{v}={x}" for v, x in INVALID_CONFIG])
def test_invalid_configuration_exits_2_with_one_line(variable, value):
    env = {k: v for k, v in os.environ.items() if k not in {name for name, _ in INVALID_CONFIG}}
    env.update(VALID_ENV)
    env.pop(variable, None)
    if value is not None:
        env[variable] = value
    done = subprocess.run([sys.executable, "-m", "simulators.registry"], cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert variable in lines[0] and "expected" in lines[0]
    assert "s3cret-pw" not in done.stderr


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("1.5s", 1.5), ("500ms", 0.5), ("2m", 120),
                                               ("1h", 3600), ("30", 30), ("0", 0)])
def test_duration_parsing(text, seconds):
    from simulators.common.config import parse_duration
    assert parse_duration(text) == pytest.approx(seconds)
