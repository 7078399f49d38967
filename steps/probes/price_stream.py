"""Subscribe to the market-data price stream over gRPC and keep what arrives."""
from __future__ import annotations

from dataclasses import dataclass, field

import grpc

from simulators.proto import load
from trading_harness.evidence import Evidence
from trading_harness.targets.stack import Stack

pb, pb_grpc = load("market_data")
SERVICE = "market-data-simulator"


@dataclass
class Stream:
    updates: list = field(default_factory=list)
    error: str | None = None  # the gRPC status code name the stream ended with, if not OK


def subscribe(stack: Stack, evidence: Evidence, symbols: list[str], count: int, timeout: float = 10.0) -> Stream:
    stream = Stream()
    request = pb.StreamPricesRequest(symbols=symbols, max_updates=count)
    with grpc.insecure_channel(stack.grpc_target(SERVICE)) as channel:
        try:
            for update in pb_grpc.MarketDataStub(channel).StreamPrices(request, timeout=timeout):
                stream.updates.append(update)
        except grpc.RpcError as exc:
            stream.error = exc.code().name
    shown = ", ".join(f"#{u.sequence} {u.symbol} {u.price}" for u in stream.updates[:5])
    evidence.record("grpc", f"StreamPrices {symbols} max_updates={count}",
                    f"{len(stream.updates)} updates ({shown}...) error={stream.error}")
    return stream
