"""An offline Debian bookworm base image: debootstrap from the configured apt mirror, then `docker import`."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from trading_harness.errors import HarnessError, MissingBinary

SUITE = "bookworm"
# Everything the stack's Dockerfiles would otherwise apt-get install, so no build step needs the network.
PACKAGES = ("redis-server", "postgresql-15", "prometheus", "python3", "python3-venv")
REPOSITORY = "trading-harness/bookworm-base"
RECIPE = "3"  # bump when the recipe below changes


def apt_mirror(sources_dir: Path = Path("/etc/apt/sources.list.d"), sources_list: Path = Path("/etc/apt/sources.list")) -> str:
    """The first Debian mirror apt is configured with (deb822 *.sources or one-line *.list)."""
    for path in sorted(sources_dir.glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.+)$", stanza, re.M))
            if "deb" in fields.get("Types", "").split() and SUITE in fields.get("Suites", "").split():
                return fields["URIs"].split()[0]
    for path in [sources_list, *sorted(sources_dir.glob("*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                m = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+" + SUITE + r"\s", line)
                if m:
                    return m[1]
    raise HarnessError(f"no Debian {SUITE} mirror is configured for apt ({sources_dir}); add one, or set "
                       "HARNESS_BASE_IMAGE to a Debian bookworm image the engine has")


def base_tag(mirror: str) -> str:
    digest = hashlib.sha256("\n".join([RECIPE, SUITE, mirror, *PACKAGES]).encode()).hexdigest()[:12]
    return f"{REPOSITORY}:{digest}"


def ensure_base(engine, log=print) -> str:
    """The tag of the offline base image, built (about a minute) when the engine does not have it."""
    from docker.errors import ImageNotFound
    mirror = apt_mirror()
    tag = base_tag(mirror)
    try:
        engine.images.get(tag)
        return tag
    except ImageNotFound:
        pass
    if not shutil.which("debootstrap"):
        raise MissingBinary("debootstrap", "apt-get install -y debootstrap")
    log(f"building the offline base image {tag} with debootstrap from {mirror}")
    with tempfile.TemporaryDirectory(prefix="harness-base-") as tmp:
        root = Path(tmp) / "root"
        argv = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(root), mirror]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise HarnessError(f"debootstrap failed ({' | '.join(tail)}); see `{' '.join(argv)}`")
        _slim(root)
        archive = Path(tmp) / "root.tar"
        subprocess.run(["tar", "-C", str(root), "-cf", str(archive), "."], check=True, timeout=600)
        repository, _, version = tag.partition(":")
        engine.api.import_image_from_file(str(archive), repository=repository, tag=version,
                                          changes=['CMD ["bash"]', "ENV LANG=C.UTF-8"])
    return tag


def _slim(root: Path) -> None:
    """Drop the downloaded .debs, apt lists and the cluster postgresql-common created at install."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*_Packages", "var/lib/postgresql/15",
                    "etc/postgresql/15"):
        for path in root.glob(pattern):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
