@TSE-0001.4 @orchestrator
Feature: Each simulator uses its own data adapter and degrades gracefully
  A simulator reads and writes only its own PostgreSQL schema, through its own role, and only its
  own Redis namespace, through its own ACL user. It is deployed, healthy and registered, and it keeps
  running in stub mode while PostgreSQL or Redis is down, recovering by itself when it is back.
  (@TSE-0001.4.2 is the exchange's part, @TSE-0001.4.3 the market-data part.)

  Scenario Outline: The <service> stores a record in <table> through its own role
    When a client creates a record with <body> at <path> on the <service>
    Then the reply is 201 with the new record's id
    And monitor_user finds that record in <table>
    And reading <path>/<id> from the <service> returns the same record
    And the <service> holds PostgreSQL sessions only as "<role>"

    @exchange @criterion:orchestrator.4.database-connected @criterion:exchange.4.2.accounts-stored @TSE-0001.4.2
    Examples: exchange
      | service            | path             | body                                           | table             | role             |
      | exchange-simulator | /api/v1/accounts | {'user_id': '$unique', 'account_type': 'SPOT'} | exchange.accounts | exchange_adapter |

    @custodian @criterion:orchestrator.4.database-connected
    Examples: custodian
      | service             | path              | body                                                              | table               | role              |
      | custodian-simulator | /api/v1/positions | {'account_id': '$unique', 'symbol': 'BTC/USD', 'quantity': '1.5'} | custodian.positions | custodian_adapter |

    @market-data @criterion:orchestrator.4.database-connected @criterion:market-data.4.3.create-snapshot @TSE-0001.4.3
    Examples: market-data
      | service               | path              | body                  | table                        | role                |
      | market-data-simulator | /api/v1/snapshots | {'symbol': 'BTC/USD'} | market_data.market_snapshots | market_data_adapter |

    @audit-correlator @criterion:orchestrator.4.database-connected
    Examples: audit-correlator
      | service          | path           | body                                               | table              | role          |
      | audit-correlator | /api/v1/events | {'service_name': '$unique', 'event_type': 'probe'} | audit.audit_events | audit_adapter |

  Scenario Outline: The <service> is configured with its own credentials, schema and namespace
    When a client asks the <service> which data adapter it uses
    Then it names the PostgreSQL role "<role>" with schema "<schema>"
    And it names the Redis user "<user>" with namespace "<schema>"

    @exchange @criterion:orchestrator.4.adapter-credentials @criterion:exchange.4.2.environment @TSE-0001.4.2
    Examples: exchange
      | service            | role             | schema   | user             |
      | exchange-simulator | exchange_adapter | exchange | exchange-adapter |

    @custodian @criterion:orchestrator.4.adapter-credentials
    Examples: custodian
      | service             | role              | schema    | user              |
      | custodian-simulator | custodian_adapter | custodian | custodian-adapter |

    @market-data @criterion:orchestrator.4.adapter-credentials @criterion:market-data.4.3.environment @TSE-0001.4.3
    Examples: market-data
      | service               | role                | schema      | user                |
      | market-data-simulator | market_data_adapter | market_data | market-data-adapter |

    @audit-correlator @criterion:orchestrator.4.adapter-credentials
    Examples: audit-correlator
      | service          | role          | schema | user          |
      | audit-correlator | audit_adapter | audit  | audit-adapter |

  Scenario Outline: The <service>'s role cannot read the <other> schema
    Given a PostgreSQL session as the <domain> adapter
    When it reads table <other_table> of the <other> schema
    Then it is refused permission on the <other> schema

    @exchange @criterion:orchestrator.4.adapter-role @TSE-0001.4.2
    Examples: exchange
      | service | domain | other | other_table |
      | exchange-simulator | exchange | custodian | positions |

    @custodian @criterion:orchestrator.4.adapter-role
    Examples: custodian
      | service | domain | other | other_table |
      | custodian-simulator | custodian | exchange | accounts |

    @market-data @criterion:orchestrator.4.adapter-role @TSE-0001.4.3
    Examples: market-data
      | service | domain | other | other_table |
      | market-data-simulator | market_data | audit | audit_events |

    @audit-correlator @criterion:orchestrator.4.adapter-role
    Examples: audit-correlator
      | service | domain | other | other_table |
      | audit-correlator | audit | market_data | symbols |

  Scenario Outline: The <service> keeps its Redis keys in its own namespace
    Then the discovery keys of the <service> are <namespace>:service:<service>:info and :heartbeat
    And the Redis user "<user>" may write "<namespace>:probe" but not "<other>:probe"

    @exchange @criterion:orchestrator.4.acl-user @criterion:exchange.4.2.cache-namespace @criterion:exchange.4.2.discovery-through-adapter @TSE-0001.4.2
    Examples: exchange
      | service            | user             | namespace | other     |
      | exchange-simulator | exchange-adapter | exchange  | custodian |

    @custodian @criterion:orchestrator.4.acl-user
    Examples: custodian
      | service             | user              | namespace | other    |
      | custodian-simulator | custodian-adapter | custodian | exchange |

    @market-data @criterion:orchestrator.4.acl-user @criterion:market-data.4.3.cache-namespace @TSE-0001.4.3
    Examples: market-data
      | service               | user                | namespace   | other |
      | market-data-simulator | market-data-adapter | market_data | audit |

    @audit-correlator @criterion:orchestrator.4.acl-user
    Examples: audit-correlator
      | service          | user          | namespace | other       |
      | audit-correlator | audit-adapter | audit     | market_data |

  Scenario Outline: The <service> is registered and answers health and ready in the seeds' shapes
    Then the service registry lists the <service> with its HTTP and gRPC ports
    And the <service> answers /api/v1/health with the keys service, status, version, instance and timestamp
    And the <service> answers /api/v1/ready with ready true and the components postgres and redis

    @exchange @criterion:orchestrator.4.registered @criterion:orchestrator.4.service-ready @criterion:exchange.4.2.deployed @criterion:exchange.4.2.health-reports-database @TSE-0001.4.2
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:orchestrator.4.registered @criterion:orchestrator.4.service-ready
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:orchestrator.4.registered @criterion:orchestrator.4.service-ready @criterion:market-data.4.3.health-reports-database @TSE-0001.4.3
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:orchestrator.4.registered @criterion:orchestrator.4.service-ready
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  @lifecycle
  Scenario Outline: The <service> degrades while <dependency> is down and recovers without a restart
    Given the <service> is ready
    When the <dependency> service is stopped
    Then the <service> answers /api/v1/ready with 503 and component "<dependency>" unavailable
    And the <service> still answers its REST health check
    And the gRPC health check of the <service> answers NOT_SERVING
    When the <dependency> service is started
    Then the <service> is ready again without having restarted
    And the gRPC health check of the <service> answers SERVING

    @exchange @criterion:orchestrator.4.graceful-degradation @criterion:exchange.3b.graceful-degradation @criterion:exchange.4.2.stub-mode @TSE-0001.4.2
    Examples: exchange
      | service            | dependency |
      | exchange-simulator | redis      |
      | exchange-simulator | postgres   |

    @custodian @criterion:orchestrator.4.graceful-degradation
    Examples: custodian
      | service             | dependency |
      | custodian-simulator | redis      |
      | custodian-simulator | postgres   |

    @market-data @criterion:orchestrator.4.graceful-degradation @criterion:market-data.3b.graceful-degradation @criterion:market-data.4.3.stub-mode @TSE-0001.4.3
    Examples: market-data
      | service               | dependency |
      | market-data-simulator | redis      |
      | market-data-simulator | postgres   |

    @audit-correlator @criterion:orchestrator.4.graceful-degradation
    Examples: audit-correlator
      | service          | dependency |
      | audit-correlator | redis      |
      | audit-correlator | postgres   |

  @market-data @TSE-0001.4.3 @criterion:market-data.4.3.active-symbols
  Scenario: The market-data simulator serves its active symbols from market_data.symbols
    Then the market-data-simulator lists the symbols BTC/USD, ETH/USD, ADA/USD, SOL/USD and DOT/USD as active
    And monitor_user finds those symbols active in market_data.symbols

  @criterion:orchestrator.4.domain-schema
  Scenario Outline: The <schema> schema holds the tables of its domain
    Given a PostgreSQL session as the monitor user
    Then the <schema> schema has the tables <tables>

    Examples:
      | schema      | tables                                                                 |
      | audit       | audit_events, service_registrations, audit_correlations, service_metrics |
      | custodian   | positions, settlements, balances                                       |
      | exchange    | accounts, orders, trades, balances, order_history                      |
      | market_data | price_feeds, candles, market_snapshots, symbols                        |

  @criterion:orchestrator.4.compose-service @compose
  Scenario Outline: The compose file deploys <service> with its address, health check and healthy dependencies
    Given the compose file of the stack
    Then service "<service>" has a healthcheck
    And service "<service>" restarts on failure
    And service "<service>" has CPU and memory limits
    And service "<service>" publishes its ports on 127.0.0.1 only
    And service "<service>" has address <address> on network "trading-ecosystem"
    And service "<service>" starts only after "redis" is healthy
    And service "<service>" starts only after "postgres" is healthy
    And service "<service>" starts only after "service-registry" is healthy

    Examples:
      | service               | address     |
      | audit-correlator      | 172.20.0.80 |
      | custodian-simulator   | 172.20.0.81 |
      | exchange-simulator    | 172.20.0.82 |
      | market-data-simulator | 172.20.0.83 |
      | exchange-okx          | 172.20.0.84 |
      | exchange-binance      | 172.20.0.85 |
