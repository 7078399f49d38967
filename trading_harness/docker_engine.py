"""The Docker engine the compose target uses: a client from the `docker` SDK, or one line saying what is missing."""
from __future__ import annotations

import shutil
import subprocess

from trading_harness.errors import HarnessError, MissingBinary

DOCKER_INSTALL = "./setup.sh --compose (Docker Engine from docker.io, Compose V2 as a CLI plugin, dockerd started)"
DOCKERD_LOG = "/var/log/harness/dockerd.log"


def client(timeout: float = 60):
    """A docker SDK client for the local engine; HarnessError when no engine answers."""
    import docker
    from docker.errors import DockerException
    try:
        engine = docker.from_env(timeout=timeout)
        engine.ping()
    except DockerException as exc:
        raise HarnessError(f"no Docker engine answers ({str(exc).splitlines()[0][:200]}). Start it with "
                           f"./setup.sh --compose (log: {DOCKERD_LOG}), or run against the embedded stack: "
                           "pytest features/ --target embedded") from None
    return engine


def preflight():
    """A Docker client with the Compose V2 plugin and a reachable engine; returns the SDK client."""
    if not shutil.which("docker"):
        raise MissingBinary("docker", DOCKER_INSTALL)
    version = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True, timeout=30)
    if version.returncode != 0:
        raise MissingBinary("docker compose (the Compose V2 plugin)", DOCKER_INSTALL)
    return client()
