@TSE-0001.3a @orchestrator @compose
Feature: Docker Compose orchestration with proper networking
  The compose definition runs every infrastructure service with a health check, a restart
  policy and resource limits, on the trading-ecosystem network, reachable from the host on
  127.0.0.1 only, and starts a service only once what it depends on is healthy. redis, postgres
  and registry are parts of the stack; the stack profile says which compose service plays each.

  @criterion:orchestrator.3a.compose-healthchecks @criterion:orchestrator.3a.compose-restart-policy
  @criterion:orchestrator.3a.compose-resource-limits @criterion:orchestrator.3a.compose-port-mappings
  @criterion:orchestrator.3a.compose-network
  Scenario Outline: The <service> service is defined for unattended operation
    Given the compose file of the stack
    Then service "<service>" has a healthcheck
    And service "<service>" restarts on failure
    And service "<service>" has CPU and memory limits
    And service "<service>" publishes its ports on 127.0.0.1 only
    And service "<service>" has a fixed address in the subnet of network "trading-ecosystem"

    Examples:
      | service  |
      | redis    |
      | postgres |
      | registry |

  @criterion:orchestrator.3a.compose-network
  Scenario: The trading-ecosystem network has its own subnet
    Given the compose file of the stack
    Then network "trading-ecosystem" uses subnet 172.20.0.0/16

  @criterion:orchestrator.3a.compose-dependencies
  Scenario: The service registry starts only after Redis is healthy
    Given the compose file of the stack
    Then service "registry" starts only after "redis" is healthy
