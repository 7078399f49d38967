@TSE-0001.3a @orchestrator @postgres
Feature: PostgreSQL for persistent data, one schema and one role per domain
  The trading_ecosystem database holds the seven domain schemas. Each domain adapter
  role reads and writes its own schema only; monitor_user reads everything and writes nothing.

  @criterion:orchestrator.3a.postgres-schemas
  Scenario: The database has all seven domain schemas
    Given a PostgreSQL session as "postgres"
    Then the database has the schemas market_data, exchange, custodian, risk, trading, test_coordination and audit

  @criterion:orchestrator.3a.postgres-domain-tables
  Scenario Outline: Schema <schema> has its tables
    Given a PostgreSQL session as "postgres"
    Then schema "<schema>" has the tables <tables>

    Examples:
      | schema      | tables                                                                   |
      | custodian   | positions, settlements, balances, audit_events                           |
      | exchange    | accounts, orders, trades, balances, order_history                        |
      | market_data | price_feeds, candles, market_snapshots, symbols                          |
      | audit       | audit_events, service_registrations, audit_correlations, service_metrics |

  @criterion:orchestrator.3a.postgres-role-own-schema
  Scenario Outline: <role> reads and writes its own schema <schema>
    Given a PostgreSQL session as "<role>"
    When it creates, writes and reads a table in schema "<schema>"
    Then it returns "written"

    Examples:
      | role                      | schema            |
      | market_data_adapter       | market_data       |
      | exchange_adapter          | exchange          |
      | custodian_adapter         | custodian         |
      | risk_adapter              | risk              |
      | trading_adapter           | trading           |
      | test_coordination_adapter | test_coordination |
      | audit_adapter             | audit             |

  @criterion:orchestrator.3a.postgres-role-isolation
  Scenario Outline: <role> is denied schema <other>
    Given a PostgreSQL session as "<role>"
    When it runs the query "SELECT count(*) FROM <other>.<table>"
    Then it is refused with "permission denied for schema <other>"

    Examples:
      | role                      | other       | table         |
      | market_data_adapter       | exchange    | orders        |
      | exchange_adapter          | custodian   | positions     |
      | custodian_adapter         | exchange    | accounts      |
      | risk_adapter              | exchange    | balances      |
      | trading_adapter           | custodian   | balances      |
      | test_coordination_adapter | audit       | audit_events  |
      | audit_adapter             | market_data | symbols       |

  @criterion:orchestrator.3a.postgres-role-isolation
  Scenario Outline: <role> cannot create tables in schema <other>
    Given a PostgreSQL session as "<role>"
    When it runs the query "CREATE TABLE <other>.intruder (id int)"
    Then it is refused with "permission denied for schema <other>"

    Examples:
      | role                      | other             |
      | exchange_adapter          | risk              |
      | risk_adapter              | trading           |
      | trading_adapter           | test_coordination |
      | test_coordination_adapter | exchange          |
      | monitor_user              | audit             |

  @criterion:orchestrator.3a.postgres-health-function
  Scenario Outline: <schema>.health_check() reports healthy to <role>
    Given a PostgreSQL session as "<role>"
    When it runs the query "SELECT status FROM <schema>.health_check()"
    Then it returns "healthy"

    Examples:
      | schema            | role                      |
      | market_data       | market_data_adapter       |
      | exchange          | exchange_adapter          |
      | custodian         | custodian_adapter         |
      | risk              | risk_adapter              |
      | trading           | trading_adapter           |
      | test_coordination | test_coordination_adapter |
      | audit             | audit_adapter             |

  @criterion:orchestrator.3a.postgres-monitor-read-only
  Scenario: monitor_user reads every schema
    Given a PostgreSQL session as "monitor_user"
    When it runs the query "SELECT (SELECT count(*) FROM exchange.orders) + (SELECT count(*) FROM custodian.positions) + (SELECT count(*) FROM market_data.symbols) + (SELECT count(*) FROM audit.audit_events) AS rows_seen"
    Then it succeeds

  @criterion:orchestrator.3a.postgres-monitor-read-only
  Scenario Outline: monitor_user cannot write to <table>
    Given a PostgreSQL session as "monitor_user"
    When it runs the query "DELETE FROM <table>"
    Then it is refused with "permission denied for table <name>"

    Examples:
      | table              | name      |
      | exchange.accounts  | accounts  |
      | custodian.balances | balances  |
      | audit.audit_events | audit_events |

  @criterion:orchestrator.3a.postgres-authentication
  Scenario Outline: <role> cannot log in with a wrong password
    When "<role>" connects to PostgreSQL with a wrong password
    Then it is refused with "password authentication failed"

    Examples:
      | role             |
      | exchange_adapter |
      | monitor_user     |
      | postgres         |
