"""Compile simulators/proto/*.proto into *_pb2.py / *_pb2_grpc.py next to them.

Run by the build (setup.py) and by `python -m simulators.proto.build`.
"""
from __future__ import annotations

import sys
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parent
ROOT = PROTO_DIR.parent.parent


def compile_protos() -> list[Path]:
    import grpc_tools
    from grpc_tools import protoc

    include = Path(grpc_tools.__file__).resolve().parent / "_proto"
    sources = sorted(PROTO_DIR.glob("*.proto"))
    for source in sources:
        args = ["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={ROOT}", f"--grpc_python_out={ROOT}",
                str(source.relative_to(ROOT))]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed on {source}")
    return sources


if __name__ == "__main__":
    compiled = compile_protos()
    print(f"compiled {len(compiled)} proto files in {PROTO_DIR}", file=sys.stderr)
