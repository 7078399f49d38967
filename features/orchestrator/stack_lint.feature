@TSE-0001.3a @orchestrator @lint
Feature: The stack definition passes its static checks
  The stack's own files are loaded the way their servers load them: the init SQL in a throwaway
  PostgreSQL cluster as the official image's entrypoint runs it, redis.conf and the ACL file in a
  throwaway redis-server. Every credential a compose service uses must name a user that exists
  with that password and may do what the service needs; every port the stack's scripts and
  health checks probe must be one compose publishes or exposes. Each finding names file and line.

  @criterion:orchestrator.3a.postgres-init-scripts
  Scenario: The init scripts run cleanly on a fresh cluster, each object created once
    Given the lint of the stack definition
    Then its "init-sql" check finds no error

  @criterion:orchestrator.3a.redis-config-files
  Scenario: redis.conf and the ACL file load in redis-server
    Given the lint of the stack definition
    Then its "redis-config" check finds no error

  @TSE-0001.4 @criterion:orchestrator.4.adapter-credentials
  Scenario: Every credential in the compose file names a user with that password and the rights its service needs
    Given the lint of the stack definition
    Then its "credentials" check finds no error

  @criterion:orchestrator.3a.validation-script-ports
  Scenario: Scripts and health checks probe ports that compose publishes or exposes
    Given the lint of the stack definition
    Then its "ports" check finds no error

  @compose @criterion:orchestrator.3a.compose-healthchecks @criterion:orchestrator.3a.compose-restart-policy
  @criterion:orchestrator.3a.compose-resource-limits @criterion:orchestrator.3a.compose-network
  @criterion:orchestrator.3a.compose-dependencies
  Scenario: Every compose service is defined for unattended operation
    Given the lint of the stack definition
    Then its "compose" check finds no error
