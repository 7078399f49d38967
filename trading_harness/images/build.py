"""The images of the compose file's `build:` sections, tagged `<image>-<hash of their inputs>`.

Inputs: the Dockerfile, every file of the build context that .dockerignore lets through, the build
arguments and the base image's id. An unchanged tree finds its tags and rebuilds nothing.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from trading_harness.errors import HarnessError
from trading_harness.images.base import ensure_base
from trading_harness.images.wheelhouse import ensure_wheelhouse
from trading_harness.paths import project_root
from trading_harness.stack_reader.yaml_doc import load as load_yaml

CONFIGURED_BASE = "debian:bookworm-slim"  # the Dockerfiles' default BASE_IMAGE


@dataclass(frozen=True)
class ImageSpec:
    """One image a compose file builds: its declared name and its build section."""

    name: str
    context: Path
    dockerfile: str
    args: dict = field(default_factory=dict)

    def files(self) -> list[Path]:
        """The build context's files the engine receives (.dockerignore applied), sorted."""
        from docker.utils.build import exclude_paths
        ignore = self.context / ".dockerignore"
        patterns = [p.strip() for p in ignore.read_text().splitlines()
                    if p.strip() and not p.startswith("#")] if ignore.is_file() else []
        included = exclude_paths(str(self.context), patterns, dockerfile=self.dockerfile)
        return sorted(p for p in (self.context / rel for rel in included) if p.is_file())

    def digest(self, base_id: str) -> str:
        h = hashlib.sha256(f"{self.dockerfile}\n{sorted(self.args.items())}\n{base_id}\n".encode())
        for path in self.files():
            h.update(str(path.relative_to(self.context)).encode() + b"\0")
            h.update(path.read_bytes())
        return h.hexdigest()[:12]

    def tag_for(self, digest: str) -> str:
        repository, _, version = self.name.rpartition(":") if ":" in self.name.split("/")[-1] else (self.name, "", "")
        return f"{repository}:{version + '-' if version else ''}{digest}"


def built_image_name(service: str, raw: dict) -> str:
    """The name a service's built image goes by: its `image:`, else `harness-build/<service>:latest`."""
    return str(raw.get("image") or f"harness-build/{service}:latest")


def image_specs(compose_file: Path, services: set[str] | None = None) -> list[ImageSpec]:
    """Each distinct image a `build:` section makes (of `services` only, when given), its context resolved
    against the compose file's folder."""
    doc = load_yaml(compose_file)
    specs: dict[str, ImageSpec] = {}
    for name, service in doc["services"].items():
        build = service.get("build") if isinstance(service, dict) else None
        if not build or (services is not None and name not in services):
            continue
        build = {"context": build} if isinstance(build, str) else build
        dockerfile = str(build.get("dockerfile", "Dockerfile"))
        context = _context(compose_file, str(build.get("context", ".")), dockerfile)
        if not (context / dockerfile).is_file():
            raise HarnessError(f"{compose_file}: service '{name}' builds from {context / dockerfile}, which does not "
                               f"exist (build.context is relative to the compose file's folder): check its sources out "
                               f"there, or leave the service out with HARNESS_SERVICES")
        image = built_image_name(name, service)
        specs.setdefault(image, ImageSpec(image, context, dockerfile, dict(build.get("args") or {})))
    return list(specs.values())


def _context(compose_file: Path, context: str, dockerfile: str) -> Path:
    """The context relative to the compose file's folder, as compose resolves it. A copy of stack/ elsewhere (a
    test's broken variant) whose `..` holds no such Dockerfile, or the reference's own Dockerfile unchanged,
    builds the simulators from the checkout (the copy's `..` holds none of their sources)."""
    here = Path(os.path.normpath(compose_file.parent.resolve() / context))
    if Path(context).parts[:1] == ("..",):
        checkout = Path(os.path.normpath(project_root() / "stack" / context))
        theirs, ours = here / dockerfile, checkout / dockerfile
        # A copy of stack/ (a folder of its own, or the copy's own Dockerfile unchanged) builds from the checkout.
        if ours.is_file() and here != checkout and (not theirs.is_file() or theirs.read_bytes() == ours.read_bytes()):
            return checkout
    return here


def choose_base(engine, log=print) -> str:
    """The configured base when the engine has or can pull it, else the offline Debian base."""
    from docker.errors import DockerException
    configured = os.environ.get("HARNESS_BASE_IMAGE", CONFIGURED_BASE)
    try:
        engine.images.get(configured)
        return configured
    except DockerException:
        pass
    try:
        engine.images.pull(configured)
        return configured
    except DockerException as exc:
        reason = f"{configured} cannot be pulled ({str(exc).splitlines()[0][:120]})"
    return ensure_base(engine, lambda line: log(f"{reason}: {line}"))


def ensure_images(compose_file: Path, engine, log=print, services: set[str] | None = None) -> dict[str, str]:
    """Declared image name -> hashed tag, building only what the engine lacks (for `services` only, when given)."""
    from docker.errors import BuildError, ImageNotFound
    specs = image_specs(compose_file, services)
    if not specs:
        return {}
    if any("build/wheelhouse" in (s.context / s.dockerfile).read_text() for s in specs):
        ensure_wheelhouse(project_root() / "build" / "wheelhouse", log)
    base = choose_base(engine, log)
    base_id = engine.images.get(base).id
    tags = {}
    for spec in specs:
        tag = spec.tag_for(spec.digest(base_id))
        try:
            engine.images.get(tag)
        except ImageNotFound:
            log(f"building {tag}")
            try:
                image, _ = engine.images.build(path=str(spec.context), dockerfile=spec.dockerfile, tag=tag, rm=True,
                                               forcerm=True, buildargs={"BASE_IMAGE": base, **spec.args},
                                               labels={"harness.image-inputs": tag.rpartition("-")[2]})
            except BuildError as exc:
                tail = " | ".join(str(c.get("stream", c.get("error", ""))).strip() for c in list(exc.build_log)[-4:])
                raise HarnessError(f"building {spec.name} ({spec.context / spec.dockerfile}) failed: {exc.msg}; {tail}") from None
            repository, _, version = spec.name.rpartition(":")
            image.tag(repository, version)  # the declared name too, for a plain `docker compose up`
        tags[spec.name] = tag
    return tags
