@TSE-0001.3a @orchestrator
Feature: Infrastructure can be brought up and down
  Redis and PostgreSQL services can be brought up and down, with a network configured,
  and are discoverable and in good health. redis, postgres and registry are parts of the
  stack; the stack profile says which compose service plays each.

  @criterion:orchestrator.3a.services-healthy
  Scenario Outline: The <service> service is up and healthy
    Then the <service> service is healthy

    Examples:
      | service          |
      | redis            |
      | postgres         |
      | registry         |

  @lifecycle @criterion:orchestrator.3a.services-up-down
  Scenario Outline: The <service> service can be stopped and started again
    Given the <service> service is healthy
    When the <service> service is stopped
    Then the <service> health check fails
    When the <service> service is started
    Then the <service> service is healthy

    Examples:
      | service          |
      | redis            |
      | postgres         |
      | registry         |
