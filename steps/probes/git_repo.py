"""Throwaway git repositories with a bare remote, for the TODO-journal scenarios."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

GIT_TIMEOUT = 30
JOURNAL_TEXT = "# component - TODO\n\n## Current Milestone\n- [ ] encode the journal check\n"


class GitRepo:
    """A work tree under `base` with one commit and a bare `origin`; git's global config is ignored."""

    def __init__(self, base: Path):
        self.path = base / "work"
        self.remote = base / "origin.git"
        self.env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_AUTHOR_NAME": "harness", "GIT_AUTHOR_EMAIL": "harness@localhost",
                    "GIT_COMMITTER_NAME": "harness", "GIT_COMMITTER_EMAIL": "harness@localhost"}
        self.git("init", "-q", "--bare", "-b", "main", str(self.remote), cwd=base)
        self.git("init", "-q", "-b", "main", str(self.path), cwd=base)
        self.git("remote", "add", "origin", str(self.remote))
        self.commit({"README.md": "# a throwaway repository\n"}, "initial commit")

    def git(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["git", *args], cwd=cwd or self.path, env=self.env, capture_output=True, text=True,
                                timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def commit(self, files: dict[str, str], message: str) -> str:
        for name, content in files.items():
            (self.path / name).write_text(content)
        self.git("add", "--", *files)
        self.git("commit", "-q", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").stdout.strip()

    def install_hook(self, script: Path) -> None:
        hook = self.path / ".git" / "hooks" / "pre-push"
        shutil.copyfile(script, hook)
        hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def push(self) -> subprocess.CompletedProcess:
        return self.git("push", "-q", "origin", "main", check=False)

    def remote_has(self, commit: str) -> bool:
        return self.git("cat-file", "-e", f"{commit}^{{commit}}", cwd=self.remote, check=False).returncode == 0
