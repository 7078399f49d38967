@TSE-0001.3a @orchestrator @redis @acl @hardening
Feature: Redis hardening beyond the seeds: an adapter cannot list other namespaces' keys
  Advisory (@hardening): the seeds' adapter rule (+@read +@write +@keyspace -@dangerous) confines
  reads and writes to the namespace, but key patterns do not limit SCAN, so every adapter can list
  every other namespace's key names. The reference ACL takes SCAN away from adapters (KEYS is
  already @dangerous); no adapter enumerates keys. A failure here is reported as an advisory and
  fails the milestone only with --strict.

  @criterion:orchestrator.3a.redis-acl-denial
  Scenario Outline: The <domain> adapter can neither read nor list the <other> namespace
    Given a Redis connection as the <domain> adapter
    Then it is refused each of these commands:
      | command                                 |
      | GET {<other>}:acceptance:key            |
      | SCAN 0 MATCH {<other>}:* COUNT 1000     |
      | SCAN 0 COUNT 1000                       |
      | KEYS {<other>}:*                        |

    Examples:
      | domain            | other       |
      | exchange          | custodian   |
      | custodian         | exchange    |
      | market_data       | exchange    |
      | audit             | market_data |
      | risk              | trading     |
      | trading           | risk        |
      | test_coordination | audit       |
