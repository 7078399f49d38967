@TSE-0001.12.0 @orchestrator @exchange
Feature: Two exchange instances run side by side, isolated from each other
  exchange-okx and exchange-binance (the seeds' venues) are instances of the exchange simulator. Each
  has its own PostgreSQL schema and role and its own Redis namespace and ACL user (whatever the stack
  profile calls them), and its instance name shows in its health, its discovery keys and its metric
  labels.

  @criterion:orchestrator.12.0.instance-name
  Scenario Outline: The <instance> instance reports its own instance name
    When a client asks the <instance> for its health
    Then the reply names the service "exchange-simulator" and the instance "<instance>"
    And the service registry lists the instance "<instance>" of "exchange-simulator"

    Examples:
      | instance         |
      | exchange-okx     |
      | exchange-binance |

  @criterion:orchestrator.12.0.instance-isolation
  Scenario Outline: The <instance> instance keeps its data in its own schema and namespace
    When a client creates a record with {'user_id': '$unique', 'account_type': 'SPOT'} at /api/v1/accounts on the <instance>
    Then the reply is 201 with the new record's id
    And the monitor user finds that record in table accounts of the <schema> schema
    And the monitor user does not find that record in table accounts of the <other> schema
    And the discovery keys of the <instance> are {<schema>}:service:<instance>:info and :heartbeat
    And the <instance> holds PostgreSQL sessions only as the <schema> adapter

    Examples:
      | instance         | schema           | other            |
      | exchange-okx     | exchange_okx     | exchange_binance |
      | exchange-binance | exchange_binance | exchange_okx     |

  @criterion:orchestrator.12.0.instance-isolation
  Scenario Outline: The <instance> instance's credentials cannot reach the other instance's data
    Given a PostgreSQL session as the <schema> adapter
    When it reads table accounts of the <other> schema
    Then it is refused permission on the <other> schema
    And the <schema> adapter may write "{<schema>}:probe" but not "{<other>}:probe"

    Examples:
      | instance         | schema           | other            |
      | exchange-okx     | exchange_okx     | exchange_binance |
      | exchange-binance | exchange_binance | exchange_okx     |

  @criterion:orchestrator.12.0.instance-aware-metrics
  Scenario Outline: The metrics of <instance> carry its instance name
    Given the <instance> has served a health request
    When a client scrapes /metrics on the <instance>
    Then every http_ sample carries the labels service, service_instance and version of the <instance>
    And every http_ sample has the service_instance label "<instance>"

    Examples:
      | instance         |
      | exchange-okx     |
      | exchange-binance |
