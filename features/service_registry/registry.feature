@TSE-0001.3a @service-registry
Feature: Service registry schema and APIs
  Services register with the registry over HTTP, keep their entry alive with heartbeats
  and are discovered by name. An entry is stored in Redis under
  registry:services:NAME:INSTANCE and expires one service TTL after the last heartbeat.
  Every service name below gets a suffix unique to the scenario, so scenarios never see
  each other's entries; in request bodies "$service" stands for that unique name.

  @criterion:orchestrator.3a.registry-health
  Scenario: The registry reports itself healthy
    When the registry's health is requested
    Then the registry answers 200 with status "healthy" and Redis "ok"

  @criterion:orchestrator.3a.registry-registration
  Scenario: A registered service can be discovered by name
    Given "exchange" instance "exchange-1" is registered at "10.0.0.5" with port http 8080
    When "exchange" is discovered
    Then the discovery lists instance "exchange-1" at "10.0.0.5" with port http 8080

  @criterion:orchestrator.3a.registry-heartbeat
  Scenario: Heartbeats keep an entry alive beyond its TTL
    Given "market-data" instance "md-1" is registered at "10.0.0.6" with port http 8082
    When "market-data" instance "md-1" sends heartbeats for 2 service TTLs
    Then "market-data" instance "md-1" is still discoverable

  @criterion:orchestrator.3a.registry-expiry
  Scenario: Without heartbeats an entry expires after its TTL
    Given "custodian" instance "cust-1" is registered at "10.0.0.7" with port http 8081
    When "custodian" instance "cust-1" sends no heartbeat
    Then "custodian" stops being discoverable within the service TTL plus a margin
    And "custodian" was discoverable for at least the service TTL
    And Redis holds no key under registry:services:* for "custodian"

  @criterion:orchestrator.3a.registry-deregistration
  Scenario: A deregistered service can no longer be discovered
    Given "risk-monitor" instance "risk-1" is registered at "10.0.0.8" with port http 8084
    When "risk-monitor" instance "risk-1" is deregistered
    Then "risk-monitor" is not discoverable
    And Redis holds no key under registry:services:* for "risk-monitor"

  @criterion:orchestrator.3a.registry-listing
  Scenario: The service list shows every registered service
    Given these services are registered:
      | service     | instance | host      | port |
      | exchange    | ex-1     | 10.0.0.5  | 8080 |
      | custodian   | cust-1   | 10.0.0.7  | 8081 |
      | market-data | md-1     | 10.0.0.6  | 8082 |
      | market-data | md-2     | 10.0.0.16 | 8082 |
    When the services are listed
    Then the list contains every registered service

  @criterion:orchestrator.3a.registry-redis-storage
  Scenario: An entry is stored in Redis under registry:services:NAME:INSTANCE
    Given "audit-correlator" instance "audit-1" is registered at "10.0.0.9" with port http 8085
    Then Redis holds the entry of "audit-correlator" instance "audit-1" under its registry key
    And that key expires within the service TTL

  @criterion:orchestrator.3a.registry-schema-validation
  Scenario Outline: A bad request gets a JSON error and writes nothing: <problem>
    When the registry is sent <method> <path> with body <body>
    Then the registry rejects it with <status> "<error>"
    And Redis holds no key under registry:services:* for "$service"

    Examples:
      | problem           | method | path             | body                                                                                             | status | error              |
      | malformed JSON    | POST   | /api/v1/services | {"name": "$service", "host": "10.0.0.1", "ports": {"http": 8080                                   | 400    | invalid_json       |
      | missing name      | POST   | /api/v1/services | {"instance": "$service", "host": "10.0.0.1", "ports": {"http": 8080}, "version": "1.0.0"}         | 422    | missing_field      |
      | ports wrong type  | POST   | /api/v1/services | {"name": "$service", "host": "10.0.0.1", "ports": "8080", "version": "1.0.0"}                     | 422    | wrong_type         |
      | port out of range | POST   | /api/v1/services | {"name": "$service", "host": "10.0.0.1", "ports": {"http": 70000}, "version": "1.0.0"}            | 422    | out_of_range       |
      | unknown route     | POST   | /api/v1/servicez | {"name": "$service", "host": "10.0.0.1", "ports": {"http": 8080}, "version": "1.0.0"}             | 404    | not_found          |
      | wrong method      | PATCH  | /api/v1/services | {"name": "$service", "host": "10.0.0.1", "ports": {"http": 8080}, "version": "1.0.0"}             | 405    | method_not_allowed |
