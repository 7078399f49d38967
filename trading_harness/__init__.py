"""The harness's stack layer: targets, servers, processes and the pytest plugin."""
import os

# The harness forks servers from a process that also talks gRPC. With gRPC's fork support on, its
# fork handlers deadlocked when a fork met the core shutting down after the last channel closed
# (grpcio 1.85). The harness never uses gRPC across a fork, so it switches them off; gRPC reads
# this when it initialises, so it is set before any channel exists.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
