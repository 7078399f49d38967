@TSE-0001.3a @orchestrator @postgres
Feature: PostgreSQL for persistent data, one schema and one role per domain
  The trading_ecosystem database holds the seven domain schemas. Each domain adapter
  role reads and writes its own schema only; the monitor role reads everything and writes
  nothing. Domains are named here; the stack profile says which schema and login role each
  one is in the stack under test.

  @criterion:orchestrator.3a.postgres-schemas
  Scenario: The database has all seven domain schemas
    Given a PostgreSQL session as the superuser
    Then the database has the schemas of the domains market_data, exchange, custodian, risk, trading, test_coordination and audit

  @criterion:orchestrator.3a.postgres-domain-tables
  Scenario Outline: The <domain> schema has its tables
    Given a PostgreSQL session as the superuser
    Then the <domain> schema has the tables <tables>

    Examples:
      | domain      | tables                                                                   |
      | custodian   | positions, settlements, balances, audit_events                           |
      | exchange    | accounts, orders, trades, balances, order_history                        |
      | market_data | price_feeds, candles, market_snapshots, symbols                          |
      | audit       | audit_events, service_registrations, audit_correlations, service_metrics |

  @criterion:orchestrator.3a.postgres-role-own-schema
  Scenario Outline: The <domain> adapter reads and writes its own schema
    Given a PostgreSQL session as the <domain> adapter
    When it creates, writes and reads a table in the <domain> schema
    Then it returns "written"

    Examples:
      | domain            |
      | market_data       |
      | exchange          |
      | custodian         |
      | risk              |
      | trading           |
      | test_coordination |
      | audit             |

  @criterion:orchestrator.3a.postgres-role-isolation
  Scenario Outline: The <domain> adapter is denied the <other> schema
    Given a PostgreSQL session as the <domain> adapter
    When it reads table <table> of the <other> schema
    Then it is refused permission on the <other> schema

    Examples:
      | domain            | other       | table         |
      | market_data       | exchange    | orders        |
      | exchange          | custodian   | positions     |
      | custodian         | exchange    | accounts      |
      | risk              | exchange    | balances      |
      | trading           | custodian   | balances      |
      | test_coordination | audit       | audit_events  |
      | audit             | market_data | symbols       |

  @criterion:orchestrator.3a.postgres-role-isolation
  Scenario Outline: The <who> cannot create tables in the <other> schema
    Given a PostgreSQL session as the <who>
    When it creates a table in the <other> schema
    Then it is refused permission on the <other> schema

    Examples:
      | who                       | other             |
      | exchange adapter          | risk              |
      | risk adapter              | trading           |
      | trading adapter           | test_coordination |
      | test_coordination adapter | exchange          |
      | monitor user              | audit             |

  @criterion:orchestrator.3a.postgres-health-function
  Scenario Outline: The <domain> schema's health_check() reports healthy to its adapter
    Given a PostgreSQL session as the <domain> adapter
    When it calls the health_check() function of the <domain> schema
    Then the health check reports healthy

    Examples:
      | domain            |
      | market_data       |
      | exchange          |
      | custodian         |
      | risk              |
      | trading           |
      | test_coordination |
      | audit             |

  @criterion:orchestrator.3a.postgres-monitor-read-only
  Scenario: The monitor user reads every schema
    Given a PostgreSQL session as the monitor user
    Then it can read every table of the domains market_data, exchange, custodian, risk, trading, test_coordination and audit

  @criterion:orchestrator.3a.postgres-monitor-read-only
  Scenario Outline: The monitor user cannot write to <table> of the <domain> schema
    Given a PostgreSQL session as the monitor user
    When it deletes every row of table <table> of the <domain> schema
    Then it is refused with "permission denied for table <table>"

    Examples:
      | domain    | table        |
      | exchange  | accounts     |
      | custodian | balances     |
      | audit     | audit_events |

  @criterion:orchestrator.3a.postgres-authentication
  Scenario Outline: The <who> cannot log in with a wrong password
    When the <who> connects to PostgreSQL with a wrong password
    Then it is refused with "password authentication failed"

    Examples:
      | who              |
      | exchange adapter |
      | monitor user     |
      | superuser        |
