"""One small features run against a stack copy with a planted defect, shared by the living-docs tests.

The exchange adapter's Redis ACL names the wrong namespace (~exchanges:* for ~exchange:*), so the
exchange row of "The <domain> adapter can set, read and delete keys in its own namespace" fails
while the other domains' rows and the healthcheck PING pass. The run is a -k subset on a foreign
stack folder: the living docs must say so.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..conftest import FORK_SERVER, REPO, STACK, edit

OUTLINE = "The <domain> adapter can set, read and delete keys in its own namespace"
SELECTION = ("test_the_domain_adapter_can_set_read_and_delete_keys_in_its_own_namespace "
             "or test_the_healthcheck_user_can_ping")
MILESTONE_PAGE = "orchestrator-TSE-0001.3a.html"
ENV = {"HARNESS_SERVICES": "redis,postgres,service-registry", "HARNESS_GATE_ALLOW_INCOMPLETE": "1"}
_done: dict[str, PlantedRun] = {}


@dataclass
class PlantedRun:
    root: Path
    stack: Path
    reports: Path
    returncode: int
    output: str

    @property
    def docs(self) -> Path:
        return self.reports / "living-docs"

    def page(self, name: str = MILESTONE_PAGE) -> str:
        return (self.docs / name).read_text()


def planted_run() -> PlantedRun:
    """The run, once per pytest process (both test modules read the same reports).

    Its folder is its own, not under pytest's basetemp: other pytest sessions of the same user prune
    old basetemps, which removed the reports while the browser still read them. Removed at exit.
    """
    if "run" in _done:
        return _done["run"]
    root = Path(tempfile.mkdtemp(prefix="harness-planted-"))
    atexit.register(shutil.rmtree, root, True)
    stack = root / "stack"
    shutil.copytree(STACK, stack)
    edit(stack / "redis" / "users.acl", "~exchange:* +@read", "~exchanges:* +@read")
    reports = root / "reports"
    argv = [sys.executable, "-m", "pytest", "features/", "-q", "-p", "no:cacheprovider", "--stack-dir", str(stack),
            f"--alluredir={reports / 'allure-results'}", f"--reports-dir={reports}", "-k", SELECTION]
    proc = FORK_SERVER.run(argv, cwd=REPO, timeout=600, env={**os.environ, **ENV})
    _done["run"] = PlantedRun(root, stack, reports, proc.returncode, proc.stdout + proc.stderr)
    return _done["run"]
