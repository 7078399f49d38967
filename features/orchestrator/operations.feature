@orchestrator @operations
Feature: Infrastructure management commands, run as an operator runs them
  `harness start|stop|restart|clean|status|validate|logs|health` is the seeds'
  manage-infrastructure.sh for the embedded stack. Each scenario runs the command as a
  subprocess with its own state directory (a temp dir), where the stack keeps its data:
  `stop` keeps it for the next `start`, `clean` removes it.

  @criterion:orchestrator.operations.start
  Scenario: start brings every service up and prints where each listens
    Given no stack runs in the operator's state directory
    When the operator runs "harness start"
    Then the command exits 0
    And it prints every service with its loopback address
    And every service of that stack answers its health check

  @criterion:orchestrator.operations.status
  Scenario: status shows each service as running or stopped
    Given a stack started with "harness start"
    When service "service-registry" of that stack is stopped
    And the operator runs "harness status"
    Then the command exits 0
    And status shows "service-registry" stopped and every other service running

  @criterion:orchestrator.operations.health
  Scenario: health lists every service as healthy on a healthy stack
    Given a stack started with "harness start"
    When the operator runs "harness health"
    Then the command exits 0
    And health lists every service as OK

  @criterion:orchestrator.operations.health
  Scenario: health exits non-zero when a service is down
    Given a stack started with "harness start"
    When service "service-registry" of that stack is stopped
    And the operator runs "harness health"
    Then the command exits 1
    And health lists "service-registry" as FAIL and every other service as OK

  @criterion:orchestrator.operations.logs
  Scenario: logs shows the logs of every service
    Given a stack started with "harness start"
    When the operator runs "harness logs"
    Then the command exits 0
    And the logs have a section for every service

  @criterion:orchestrator.operations.logs
  Scenario: logs of one named service
    Given a stack started with "harness start"
    When the operator runs "harness logs redis -n 500"
    Then the command exits 0
    And the logs are those of "redis" only, with its start-up line "Ready to accept connections"

  @criterion:orchestrator.operations.validate
  Scenario: validate passes on a healthy stack
    Given a stack started with "harness start"
    When the operator runs "harness validate" on the health-check scenarios
    Then the command exits 0

  @criterion:orchestrator.operations.validate
  Scenario: validate exits non-zero when a check fails
    Given a stack started with "harness start"
    When service "redis" of that stack is stopped
    And the operator runs "harness validate" on the health-check scenarios
    Then the command exits non-zero

  @criterion:orchestrator.operations.stop
  Scenario: stop stops every service and keeps the data for the next start
    Given a stack started with "harness start"
    And a marker row in PostgreSQL and a marker key in Redis
    When the operator runs "harness stop"
    Then the command exits 0
    And no process of that stack runs
    When the operator runs "harness start"
    Then the command exits 0
    And the marker row and the marker key are there

  @criterion:orchestrator.operations.restart
  Scenario: restart stops and starts every service, which comes back healthy
    Given a stack started with "harness start"
    And a marker row in PostgreSQL and a marker key in Redis
    When the operator runs "harness restart"
    Then the command exits 0
    And every service of that stack answers its health check
    And the marker row and the marker key are there

  @criterion:orchestrator.operations.clean
  Scenario: clean stops every service and removes its data
    Given a stack started with "harness start"
    And a marker row in PostgreSQL and a marker key in Redis
    When the operator runs "harness clean"
    Then the command exits 0
    And no process of that stack runs
    And the state directory holds no data
    When the operator runs "harness start"
    Then the command exits 0
    And the marker row and the marker key are gone
