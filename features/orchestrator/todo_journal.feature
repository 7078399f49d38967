@orchestrator @TODO-journal
Feature: The TODO journal: TODO.md or TODO-MASTER.md, without false warnings
  Component repositories keep their journal in TODO.md, the project plan in TODO-MASTER.md.
  `harness journal-check` and the pre-push hook (stack/scripts/pre-push-hook.sh) accept either,
  and report a repository that has neither. Each scenario builds a throwaway git repository.

  Scenario Outline: journal-check accepts a repository with <journal>
    Given a git repository with <journal> committed
    When the operator runs journal-check on it
    Then journal-check exits 0
    And journal-check accepts <journal> without a warning

    @criterion:orchestrator.todo-journal.accepts-todo
    Examples: a component repository
      | journal |
      | TODO.md |

    @criterion:orchestrator.todo-journal.accepts-todo-master
    Examples: the project plan
      | journal        |
      | TODO-MASTER.md |

  @criterion:orchestrator.todo-journal.reports-missing
  Scenario: journal-check reports a repository without a journal
    Given a git repository with no TODO journal
    When the operator runs journal-check on it
    Then journal-check exits 1
    And journal-check reports that neither TODO.md nor TODO-MASTER.md exists

  @criterion:orchestrator.todo-journal.pre-push-hook
  Scenario Outline: The pre-push hook lets a repository with <journal> push
    Given a git repository with <journal> committed
    And the stack's pre-push hook installed in it
    When a new commit is pushed to its remote
    Then the push succeeds and the hook names <journal>

    Examples:
      | journal        |
      | TODO.md        |
      | TODO-MASTER.md |

  @criterion:orchestrator.todo-journal.pre-push-hook
  Scenario: The pre-push hook refuses a repository without a journal
    Given a git repository with no TODO journal
    And the stack's pre-push hook installed in it
    When a new commit is pushed to its remote
    Then the push is refused and the remote does not have the commit
