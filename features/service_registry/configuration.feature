@TSE-0001.3a @service-registry
Feature: Basic configuration service for endpoints and parameters
  The registry keeps typed configuration values (string, integer, number, boolean, url,
  duration) per service and environment, in the Redis hash config:SERVICE:ENVIRONMENT.
  A read for an environment without its own value falls back to the "default" environment.
  Every write is validated against the value's type and limits, and every accepted write
  increments the value's version. Service names get a suffix unique to the scenario.

  @criterion:orchestrator.3a.config-set-read
  Scenario: A configuration value can be set and read back
    When "exchange" has "max_orders_per_second" set to 100 as integer in "development"
    Then "exchange" reads "max_orders_per_second" in "development" as 100 from "development" at version 1
    And Redis stores "max_orders_per_second" of "exchange" in "development" as 100 of type integer

  @criterion:orchestrator.3a.config-environments
  Scenario: Each environment has its own value and falls back to the default
    Given "exchange" has "database_url" set to "postgresql://db:5432/trading" as url in "default"
    And "exchange" has "database_url" set to "postgresql://db-dev:5432/trading" as url in "development"
    And "exchange" has "database_url" set to "postgresql://db-prod:5432/trading" as url in "production"
    Then "exchange" reads "database_url" in "development" as "postgresql://db-dev:5432/trading" from "development"
    And "exchange" reads "database_url" in "production" as "postgresql://db-prod:5432/trading" from "production"
    And "exchange" reads "database_url" in "testing" as "postgresql://db:5432/trading" from "default"

  @criterion:orchestrator.3a.config-validation
  Scenario Outline: An invalid value is rejected and the previous value is kept: <problem>
    Given "risk-monitor" has "<key>" set to <valid> as <type> in "development"
    When "risk-monitor" writes <body> to "<target>" in "<environment>"
    Then the registry rejects it with 422 "<error>"
    And "risk-monitor" reads "<key>" in "development" as <valid> from "development" at version 1

    Examples:
      | problem             | key           | valid                  | type     | target        | environment | body                                          | error               |
      | text for an integer | max_position  | 10                     | integer  | max_position  | development | {"value": "ten", "type": "integer"}           | wrong_type          |
      | boolean for integer | max_position  | 10                     | integer  | max_position  | development | {"value": true, "type": "integer"}            | wrong_type          |
      | above the maximum   | max_position  | 10                     | integer  | max_position  | development | {"value": 500, "type": "integer", "max": 100} | out_of_range        |
      | below the minimum   | risk_ratio    | 0.5                    | number   | risk_ratio    | development | {"value": -0.1, "type": "number", "min": 0}   | out_of_range        |
      | url without a host  | feed_url      | "https://feed.example" | url      | feed_url      | development | {"value": "feed.example", "type": "url"}      | invalid_value       |
      | malformed duration  | poll_interval | "30s"                  | duration | poll_interval | development | {"value": "soon", "type": "duration"}         | invalid_value       |
      | unknown environment | max_position  | 10                     | integer  | max_position  | staging     | {"value": 20, "type": "integer"}              | invalid_environment |
      | invalid key         | max_position  | 10                     | integer  | Max Position  | development | {"value": 20, "type": "integer"}              | invalid_key         |

  @criterion:orchestrator.3a.config-runtime-update
  Scenario: A runtime update is seen by the next reader
    Given "exchange" has "max_order_size" set to 100 as integer in "production"
    And "exchange" reads "max_order_size" in "production" as 100 from "production" at version 1
    When "exchange" has "max_order_size" set to 250 as integer in "production"
    Then "exchange" reads "max_order_size" in "production" as 250 from "production" at version 2
