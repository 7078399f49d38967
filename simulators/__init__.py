"""Python stand-ins for the ecosystem's services, started by the harness's embedded stack.

A service started as `python -m simulators.<name>` imports its libraries (redis, psycopg, grpc, httpx,
OpenTelemetry) with the garbage collector off: they make long-lived objects only, and collecting while they
load costs 6-10 % of the ~0.35 CPU s a service takes to start (bench/service_start.py). The entry turns it
on again (common.startup.started). Python sets sys.argv[0] to "-m" only while it imports the
packages of the module it runs; any other import of this package leaves the collector alone.
"""
import gc
import sys

if sys.argv[:1] == ["-m"]:
    gc.disable()
