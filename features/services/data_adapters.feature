@TSE-0001.4 @orchestrator
Feature: Each simulator uses its own data adapter and degrades gracefully
  A simulator reads and writes only its own PostgreSQL schema, through its own role, and only its
  own Redis namespace, through its own ACL user. It is deployed, healthy and registered, and it keeps
  running in stub mode while PostgreSQL or Redis is down, recovering by itself when it is back.
  (@TSE-0001.4.2 is the exchange's part, @TSE-0001.4.3 the market-data part.)

  Scenario Outline: The <service> stores a record in <table> through its own role
    When a client creates a record with <body> at <path> on the <service>
    Then the reply is 201 with the new record's id
    And the monitor user finds that record in table <table> of the <domain> schema
    And reading <path>/<id> from the <service> returns the same record
    And the <service> holds PostgreSQL sessions only as the <domain> adapter

    @exchange @criterion:orchestrator.4.database-connected @criterion:exchange.4.2.accounts-stored @TSE-0001.4.2
    Examples: exchange
      | service            | domain   | path             | body                                           | table    |
      | exchange-simulator | exchange | /api/v1/accounts | {'user_id': '$unique', 'account_type': 'SPOT'} | accounts |

    @custodian @criterion:orchestrator.4.database-connected
    Examples: custodian
      | service             | domain    | path              | body                                                              | table     |
      | custodian-simulator | custodian | /api/v1/positions | {'account_id': '$unique', 'symbol': 'BTC/USD', 'quantity': '1.5'} | positions |

    @market-data @criterion:orchestrator.4.database-connected @criterion:market-data.4.3.create-snapshot @TSE-0001.4.3
    Examples: market-data
      | service               | domain      | path              | body                  | table            |
      | market-data-simulator | market_data | /api/v1/snapshots | {'symbol': 'BTC/USD'} | market_snapshots |

    @audit-correlator @criterion:orchestrator.4.database-connected
    Examples: audit-correlator
      | service          | domain | path           | body                                               | table        |
      | audit-correlator | audit  | /api/v1/events | {'service_name': '$unique', 'event_type': 'probe'} | audit_events |

  Scenario Outline: The <service> is configured with its own credentials, schema and namespace
    When a client asks the <service> which data adapter it uses
    Then it names the PostgreSQL role and schema of the <domain> adapter
    And it names the Redis user and namespace of the <domain> adapter

    @exchange @criterion:orchestrator.4.adapter-credentials @criterion:exchange.4.2.environment @TSE-0001.4.2
    Examples: exchange
      | service | domain |
      | exchange-simulator | exchange |

    @custodian @criterion:orchestrator.4.adapter-credentials
    Examples: custodian
      | service | domain |
      | custodian-simulator | custodian |

    @market-data @criterion:orchestrator.4.adapter-credentials @criterion:market-data.4.3.environment @TSE-0001.4.3
    Examples: market-data
      | service | domain |
      | market-data-simulator | market_data |

    @audit-correlator @criterion:orchestrator.4.adapter-credentials
    Examples: audit-correlator
      | service | domain |
      | audit-correlator | audit |

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
    Then the discovery keys of the <service> are {<domain>}:service:<service>:info and :heartbeat
    And the <domain> adapter may write "{<domain>}:probe" but not "{<other>}:probe"

    @exchange @criterion:orchestrator.4.acl-user @criterion:exchange.4.2.cache-namespace @criterion:exchange.4.2.discovery-through-adapter @TSE-0001.4.2
    Examples: exchange
      | service | domain | other |
      | exchange-simulator | exchange | custodian |

    @custodian @criterion:orchestrator.4.acl-user
    Examples: custodian
      | service | domain | other |
      | custodian-simulator | custodian | exchange |

    @market-data @criterion:orchestrator.4.acl-user @criterion:market-data.4.3.cache-namespace @TSE-0001.4.3
    Examples: market-data
      | service | domain | other |
      | market-data-simulator | market_data | audit |

    @audit-correlator @criterion:orchestrator.4.acl-user
    Examples: audit-correlator
      | service | domain | other |
      | audit-correlator | audit | market_data |

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
    And the monitor user finds those symbols active in table symbols of the market_data schema

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
  Scenario Outline: The compose file deploys the <domain> domain's services with an address, health check and healthy dependencies
    Given the compose file of the stack
    Then each service of the <domain> domain has a healthcheck
    And each service of the <domain> domain restarts on failure
    And each service of the <domain> domain publishes its ports on 127.0.0.1 only
    And each service of the <domain> domain has a fixed address in the subnet of network "trading-ecosystem"
    And each service of the <domain> domain starts only after "redis" is healthy
    And each service of the <domain> domain starts only after "postgres" is healthy
    And each service of the <domain> domain starts only after "registry" is healthy

    Examples:
      | domain      |
      | audit       |
      | custodian   |
      | exchange    |
      | market_data |
