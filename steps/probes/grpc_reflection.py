"""List a gRPC server's services through the server reflection protocol."""
from __future__ import annotations

import grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc


def list_services(target: str, timeout: float = 3.0) -> list[str]:
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                                            timeout=timeout)
        for reply in replies:
            return sorted(s.name for s in reply.list_services_response.service)
    return []
