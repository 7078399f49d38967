"""Baseline servers for the bench scripts: the framework floor the simulators are compared with.

    python bench/bare_server.py HTTP_PORT GRPC_PORT

HTTP: stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive, every GET answers 200 with a small JSON body.
gRPC: a bare grpc.server with the standard Health service (SERVING) and a MarketData.StreamPrices
that yields constant prices (no feed, no lock, no cache) as fast as grpcio allows.
bench/service_latency.py and bench/stream_throughput.py start it; it stops on SIGTERM.
"""
from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import grpc  # noqa: E402
import httpx  # noqa: E402
from grpc_health.v1 import health, health_pb2, health_pb2_grpc  # noqa: E402

from simulators.proto import load  # noqa: E402
from trading_harness.polling import wait_until  # noqa: E402
from trading_harness.servers.ports import free_port  # noqa: E402
from trading_harness.servers.processes import ManagedProcess  # noqa: E402

pb, pb_grpc = load("market_data")
BODY = b'{"service": "bare", "status": "healthy", "version": "0", "instance": "bare", "timestamp": "-"}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


class ConstantPrices(pb_grpc.MarketDataServicer):
    def StreamPrices(self, request, context):  # noqa: N802 - gRPC method name
        symbols = list(request.symbols) or ["BTC/USD"]
        sequence, limit = 0, request.max_updates
        while context.is_active():
            for symbol in symbols:
                sequence += 1
                yield pb.Price(symbol=symbol, price="60000.00000000", bid="59970.00000000", ask="60030.00000000",
                               timestamp_ns=1, sequence=sequence)
                if limit and sequence >= limit:
                    return


@contextmanager
def running() -> Iterator[tuple[str, str, int]]:
    """Start this file as a process; yield (HTTP base URL, gRPC target, pid) once both answer; stop it."""
    http_port, grpc_port = free_port(), free_port()
    url, target = f"http://127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}"
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        process = ManagedProcess("bare-server", [sys.executable, __file__, str(http_port), str(grpc_port)],
                                 Path(tmp) / "bare-server.log")
        process.start()
        try:
            wait_until(lambda: httpx.get(url, timeout=1).status_code == 200, 20, interval=0.02,
                       message=f"bare HTTP server on {url}")
            with grpc.insecure_channel(target) as channel:
                check = health_pb2_grpc.HealthStub(channel).Check
                wait_until(lambda: check(health_pb2.HealthCheckRequest(), timeout=1).status
                           == health_pb2.HealthCheckResponse.SERVING, 20, interval=0.02,
                           message=f"bare gRPC server on {target}")
            yield url, target, process.pid
        finally:
            process.stop()


def main() -> None:
    http_port, grpc_port = int(sys.argv[1]), int(sys.argv[2])
    http = ThreadingHTTPServer(("127.0.0.1", http_port), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    checker = health.HealthServicer()
    checker.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    pb_grpc.add_MarketDataServicer_to_server(ConstantPrices(), server)
    server.add_insecure_port(f"127.0.0.1:{grpc_port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
