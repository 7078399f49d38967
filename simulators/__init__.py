"""Python stand-ins for the ecosystem's services, started by the harness's embedded stack.

A service started as `python -m simulators.<name>` imports its libraries (redis, psycopg, grpc, httpx,
OpenTelemetry) with the garbage collector off: they make long-lived objects only, and collecting while they
load costs 6-10 % of the ~0.35 CPU s a service takes to start (bench/service_start.py). The entry turns it
on again (common.startup.started). Python sets sys.argv[0] to "-m" only while it imports the
packages of the module it runs; any other import of this package leaves the collector alone.

Such a start also skips two optional imports no service uses: httpx's command-line client (rich, click) and
the OpenTelemetry metrics SDK, which redis loads for metrics it records only when asked to. Both libraries
import them in a `try` and carry on without them; a None entry in sys.modules makes that import fail at once.
~0.05 CPU s of a start (bench/service_start.py).
"""
import gc
import sys

UNUSED_IMPORTS = ("httpx._main", "opentelemetry.sdk.metrics")

if sys.argv[:1] == ["-m"]:
    gc.disable()
    for _name in UNUSED_IMPORTS:
        sys.modules.setdefault(_name, None)
