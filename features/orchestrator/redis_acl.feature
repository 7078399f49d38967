@TSE-0001.3a @orchestrator @redis @acl
Feature: Redis ACL users confine every domain to its own namespace
  Each domain adapter may read and write its own namespace only, never runs a dangerous
  command, and authenticates only with its password. The operational users do exactly
  what their names say. Domains and parts are named here; the stack profile says which
  ACL user and key namespace each one is in the stack under test, and in a command
  {exchange} stands for the exchange domain's namespace.

  @criterion:orchestrator.3a.redis-adapter-own-namespace
  Scenario Outline: The <domain> adapter can set, read and delete keys in its own namespace
    Given a Redis connection as the <domain> adapter
    When it sets, reads and deletes "{<domain>}:acceptance:key"
    Then it succeeds

    Examples:
      | domain            |
      | exchange          |
      | custodian         |
      | market_data       |
      | audit             |
      | risk              |
      | trading           |
      | test_coordination |

  @criterion:orchestrator.3a.redis-acl-denial
  Scenario Outline: The <domain> adapter is denied the <other> namespace
    Given a Redis connection as the <domain> adapter
    When it runs "SET {<other>}:acceptance:key intruder"
    Then it is refused with NOPERM

    Examples:
      | domain            | other       |
      | exchange          | custodian   |
      | custodian         | exchange    |
      | market_data       | exchange    |
      | audit             | market_data |
      | risk              | trading     |
      | trading           | risk        |
      | test_coordination | audit       |

  @criterion:orchestrator.3a.redis-acl-denial
  Scenario Outline: The <domain> adapter is denied the registry's keys
    Given a Redis connection as the <domain> adapter
    When it runs "SET registry:acceptance:key intruder"
    Then it is refused with NOPERM

    Examples:
      | domain   |
      | exchange |

  @criterion:orchestrator.3a.redis-dangerous-commands
  Scenario Outline: The <who> is refused every dangerous command
    Given a Redis connection as the <who>
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
      | who                       |
      | exchange adapter          |
      | custodian adapter         |
      | market_data adapter       |
      | audit adapter             |
      | risk adapter              |
      | trading adapter           |
      | test_coordination adapter |
      | registry user             |

  @criterion:orchestrator.3a.redis-wrong-password
  Scenario Outline: The <who> cannot authenticate with a wrong password
    Given a Redis connection as the <who> with a wrong password
    When it runs "PING"
    Then it is refused with WRONGPASS

    Examples:
      | who                       |
      | exchange adapter          |
      | custodian adapter         |
      | market_data adapter       |
      | audit adapter             |
      | risk adapter              |
      | trading adapter           |
      | test_coordination adapter |
      | registry user             |
      | admin user                |

  @criterion:orchestrator.3a.redis-healthcheck-user
  Scenario: The healthcheck user may run PING and INFO and nothing else
    Given a Redis connection as the healthcheck user
    Then it may run each of these commands:
      | command     |
      | PING        |
      | INFO server |
    And it is refused each of these commands:
      | command                   |
      | GET registry:services:any |
      | SET {exchange}:key value  |
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
    Given a Redis connection as the registry user
    When it runs "SET <key> value"
    Then it <result>

    Examples:
      | key                         | result                   |
      | registry:acceptance:probe   | succeeds                 |
      | config:acceptance:probe     | succeeds                 |
      | {exchange}:service:probe    | is refused with NOPERM   |
      | {audit}:probe               | is refused with NOPERM   |

  @criterion:orchestrator.3a.redis-monitor-user
  Scenario: The monitor user reads every namespace but writes none
    Given a Redis connection as the monitor user
    Then it may run each of these commands:
      | command                  |
      | GET {exchange}:any       |
      | GET registry:services:x  |
      | SCAN 0                   |
    And it is refused each of these commands:
      | command                  |
      | SET {exchange}:any value |
      | DEL registry:services:x  |
      | FLUSHDB                  |

  @criterion:orchestrator.3a.redis-admin-user
  Scenario: The admin user has full access
    Given a Redis connection as the admin user
    Then it may run each of these commands:
      | command                        |
      | SET {exchange}:admin:key value |
      | DEL {exchange}:admin:key       |
      | CONFIG GET maxmemory           |
      | ACL WHOAMI                     |
