@TSE-0001.3a @orchestrator @redis @acl
Feature: Redis ACL users confine every domain to its own namespace
  Each domain adapter may read and write its own namespace only, never runs a dangerous
  command, and authenticates only with its password. The operational users do exactly
  what their names say.

  @criterion:orchestrator.3a.redis-adapter-own-namespace
  Scenario Outline: <user> can set, read and delete keys in <namespace>:*
    Given a Redis connection as "<user>"
    When it sets, reads and deletes "<namespace>:acceptance:key"
    Then it succeeds

    Examples:
      | user                      | namespace         |
      | exchange-adapter          | exchange          |
      | custodian-adapter         | custodian         |
      | market-data-adapter       | market_data       |
      | audit-adapter             | audit             |
      | risk-adapter              | risk              |
      | trading-adapter           | trading           |
      | test-coordination-adapter | test_coordination |

  @criterion:orchestrator.3a.redis-acl-denial
  Scenario Outline: <user> is denied the <other> namespace
    Given a Redis connection as "<user>"
    When it runs "SET <other>:acceptance:key intruder"
    Then it is refused with NOPERM

    Examples:
      | user                      | other             |
      | exchange-adapter          | custodian         |
      | custodian-adapter         | exchange          |
      | market-data-adapter       | exchange          |
      | audit-adapter             | market_data       |
      | risk-adapter              | trading           |
      | trading-adapter           | risk              |
      | test-coordination-adapter | audit             |
      | exchange-adapter          | registry          |

  @criterion:orchestrator.3a.redis-dangerous-commands
  Scenario Outline: <user> is refused every dangerous command
    Given a Redis connection as "<user>"
    Then it is refused each of these commands:
      | command                    |
      | FLUSHDB                    |
      | FLUSHALL                   |
      | CONFIG GET maxmemory       |
      | CONFIG SET maxmemory 1mb   |
      | KEYS *                     |
      | ACL LIST                   |
      | SWAPDB 0 1                 |
      | SHUTDOWN NOSAVE            |
      | SAVE                       |
      | BGREWRITEAOF               |
      | REPLICAOF NO ONE           |
      | CLIENT KILL ID 1           |

    Examples:
      | user                      |
      | exchange-adapter          |
      | custodian-adapter         |
      | market-data-adapter       |
      | audit-adapter             |
      | risk-adapter              |
      | trading-adapter           |
      | test-coordination-adapter |
      | registry                  |

  @criterion:orchestrator.3a.redis-wrong-password
  Scenario Outline: <user> cannot authenticate with a wrong password
    Given a Redis connection as "<user>" with a wrong password
    When it runs "PING"
    Then it is refused with WRONGPASS

    Examples:
      | user                      |
      | exchange-adapter          |
      | custodian-adapter         |
      | market-data-adapter       |
      | audit-adapter             |
      | risk-adapter              |
      | trading-adapter           |
      | test-coordination-adapter |
      | registry                  |
      | admin                     |

  @criterion:orchestrator.3a.redis-healthcheck-user
  Scenario: The healthcheck user may run PING and INFO and nothing else
    Given a Redis connection as "healthcheck"
    Then it may run each of these commands:
      | command     |
      | PING        |
      | INFO server |
    And it is refused each of these commands:
      | command                   |
      | GET registry:services:any |
      | SET healthcheck:key value |
      | SCAN 0                    |
      | CONFIG GET maxmemory      |
      | CLIENT LIST               |

  @criterion:orchestrator.3a.redis-default-user-off
  Scenario: The default user cannot authenticate
    Given an unauthenticated Redis connection
    When it runs "PING"
    Then it is refused with NOAUTH

  @criterion:orchestrator.3a.redis-default-user-off
  Scenario: The default user cannot log in even with an empty password
    Given an unauthenticated Redis connection
    When it authenticates as "default" with password "nopass"
    Then it is refused with WRONGPASS

  @criterion:orchestrator.3a.redis-registry-user
  Scenario Outline: The registry user may use <key> only within its namespaces
    Given a Redis connection as "registry"
    When it runs "SET <key> value"
    Then it <result>

    Examples:
      | key                         | result                   |
      | registry:acceptance:probe   | succeeds                 |
      | config:acceptance:probe     | succeeds                 |
      | exchange:service:probe      | is refused with NOPERM   |
      | audit:probe                 | is refused with NOPERM   |

  @criterion:orchestrator.3a.redis-monitor-user
  Scenario: The monitor user reads every namespace but writes none
    Given a Redis connection as "monitor"
    Then it may run each of these commands:
      | command                  |
      | GET exchange:any         |
      | GET registry:services:x  |
      | SCAN 0                   |
      | INFO memory              |
    And it is refused each of these commands:
      | command                  |
      | SET exchange:any value   |
      | DEL registry:services:x  |
      | FLUSHDB                  |

  @criterion:orchestrator.3a.redis-admin-user
  Scenario: The admin user has full access
    Given a Redis connection as "admin"
    Then it may run each of these commands:
      | command                      |
      | SET exchange:admin:key value |
      | DEL exchange:admin:key       |
      | CONFIG GET maxmemory         |
      | ACL WHOAMI                   |
