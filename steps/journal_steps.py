"""Sentences about the TODO journal: `harness journal-check` and the pre-push hook, on throwaway repositories."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from steps.probes.git_repo import JOURNAL_TEXT, GitRepo
from steps.probes.harness_command import CommandResult, run_harness
from trading_harness.cli.journal import JOURNALS
from trading_harness.definition import StackDefinition

HOOK = "scripts/pre-push-hook.sh"


@given(parsers.parse("a git repository with {journal} committed"), target_fixture="repo")
def repo_with_journal(tmp_path, journal: str) -> GitRepo:
    repo = GitRepo(tmp_path)
    repo.commit({journal: JOURNAL_TEXT}, f"add {journal}")
    return repo


@given("a git repository with no TODO journal", target_fixture="repo")
def repo_without_journal(tmp_path) -> GitRepo:
    return GitRepo(tmp_path)


@given("the stack's pre-push hook installed in it")
def hook_installed(repo: GitRepo, stack_definition: StackDefinition):
    repo.install_hook(stack_definition.root / HOOK)


@when("the operator runs journal-check on it", target_fixture="checked")
def journal_check(repo: GitRepo, evidence) -> CommandResult:
    return run_harness("journal-check", str(repo.path), timeout=60, evidence=evidence)


@when("a new commit is pushed to its remote", target_fixture="pushed")
def push(repo: GitRepo, evidence):
    commit = repo.commit({"CHANGELOG.md": "- a change\n"}, "a change")
    result = repo.push()
    evidence.record("git", "git push origin main", f"exit {result.returncode}\n{result.stdout}{result.stderr}")
    return commit, result


@then(parsers.parse("journal-check exits {code:d}"))
def exits(checked: CommandResult, code: int):
    assert checked.returncode == code, checked.describe()


@then(parsers.parse("journal-check accepts {journal} without a warning"))
def accepts(checked: CommandResult, journal: str):
    assert f"OK   {journal}" in checked.stdout, checked.describe()
    assert "warning" not in checked.output.lower(), f"a false warning:\n{checked.describe()}"


@then("journal-check reports that neither TODO.md nor TODO-MASTER.md exists")
def reports_missing(checked: CommandResult):
    assert "FAIL" in checked.stdout and all(name in checked.stdout for name in JOURNALS), checked.describe()
    assert "Traceback" not in checked.output, checked.describe()


@then(parsers.parse("the push succeeds and the hook names {journal}"))
def push_succeeds(pushed, repo: GitRepo, journal: str):
    commit, result = pushed
    assert result.returncode == 0, f"push refused: {result.stderr}"
    assert journal in result.stdout + result.stderr, f"the hook did not name {journal}: {result.stdout}{result.stderr}"
    assert repo.remote_has(commit)


@then("the push is refused and the remote does not have the commit")
def push_refused(pushed, repo: GitRepo):
    commit, result = pushed
    assert result.returncode != 0, f"the push went through: {result.stdout}{result.stderr}"
    assert "TODO" in result.stderr, result.stderr
    assert not repo.remote_has(commit)
