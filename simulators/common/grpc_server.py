"""The gRPC server every simulator runs: its domain service, standard health, and reflection."""
from __future__ import annotations

import errno
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection


class GrpcServer:
    """Health reports SERVING or NOT_SERVING for "" and for the domain service, following readiness."""

    def __init__(self, host: str, port: int, *, workers: int = 16, interceptors: tuple = ()):
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
                                  interceptors=interceptors)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.address = f"{host}:{port}"
        self.services: list[str] = [""]

    def add(self, register: callable, servicer: object, full_name: str) -> None:
        """register = the generated add_<Service>Servicer_to_server; full_name = package.Service."""
        register(servicer, self.server)
        self.services.append(full_name)

    def start(self) -> None:
        names = (*self.services[1:], health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                 reflection.SERVICE_NAME)
        reflection.enable_server_reflection(names, self.server)
        try:
            bound = self.server.add_insecure_port(self.address)
        except RuntimeError as exc:
            raise OSError(errno.EADDRINUSE, f"gRPC cannot bind {self.address}: Address already in use ({exc})") from None
        if not bound:
            raise OSError(errno.EADDRINUSE, f"gRPC cannot bind {self.address}: Address already in use")
        self.set_serving(False)
        self.server.start()

    def set_serving(self, serving: bool) -> None:
        status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in self.services:
            self.health.set(name, status)

    def stop(self, grace: float = 1.0) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait(grace + 1)
