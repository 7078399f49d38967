@TSE-0001.3a @orchestrator @redis
Feature: Redis for service discovery and caching
  Redis answers health checks as the healthcheck user and runs with the memory policy
  the milestone names: a 4GB limit with LFU eviction.

  @criterion:orchestrator.3a.redis-ping
  Scenario: The healthcheck user can PING
    Given a Redis connection as the healthcheck user
    When it runs "PING"
    Then it returns "PONG"

  @criterion:orchestrator.3a.redis-memory-policy
  Scenario Outline: Redis runs with <directive> as configured
    Then redis.conf sets "<directive>" to "<configured>"
    And the running Redis reports "<directive>" as "<running>"

    Examples:
      | directive        | configured  | running     |
      | maxmemory        | 4gb         | 4294967296  |
      | maxmemory-policy | allkeys-lfu | allkeys-lfu |
