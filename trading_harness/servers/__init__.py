"""Local servers of the embedded stack: one class per kind, each with one wait strategy."""
from trading_harness.servers.base import LocalServer
from trading_harness.servers.postgres import PostgresServer
from trading_harness.servers.prometheus import PrometheusServer
from trading_harness.servers.python_service import PythonService
from trading_harness.servers.redis import RedisServer
from trading_harness.servers.script import ScriptStep

__all__ = ["LocalServer", "PostgresServer", "PrometheusServer", "PythonService", "RedisServer", "ScriptStep"]
