@TSE-0001.1a
Feature: Every simulator starts, answers health checks over REST and gRPC, and shuts down gracefully
  The four reference simulators (exchange, custodian, market data, audit correlator) share one
  service contract: an HTTP API with /api/v1/health, a gRPC server with the standard health
  service, structured JSON logs, JSON errors for bad requests, and a clean exit on SIGTERM.

  Scenario Outline: The <service> starts and listens on its HTTP and gRPC ports
    Then the <service> answers on its HTTP port and on its gRPC port

    @exchange @criterion:exchange.1a.starts
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:custodian.1a.starts
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.1a.starts
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:audit-correlator.1a.starts
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> answers its REST health check
    When a client asks the <service> for its health
    Then the reply is 200 with status "healthy", the service name, version, instance and a timestamp

    @exchange @criterion:exchange.1a.rest-health @criterion:orchestrator.4.service-healthy
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:custodian.1a.rest-health @criterion:orchestrator.4.service-healthy
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.1a.rest-health @criterion:orchestrator.4.service-healthy
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:audit-correlator.1a.rest-health @criterion:orchestrator.4.service-healthy
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> answers its gRPC health check with SERVING
    Then the gRPC health check of the <service> answers SERVING
    And the gRPC health check of the <service> for its domain service answers SERVING
    And the <service> lists its domain service, health and reflection through gRPC reflection

    @exchange @criterion:exchange.1a.grpc-health @criterion:orchestrator.4.grpc-health @criterion:exchange.3b.grpc-server
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:custodian.1a.grpc-health @criterion:orchestrator.4.grpc-health
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.1a.grpc-health @criterion:orchestrator.4.grpc-health @criterion:market-data.3b.grpc-server
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:audit-correlator.1a.grpc-health @criterion:orchestrator.4.grpc-health
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  @lifecycle
  Scenario Outline: On SIGTERM the <service> deregisters and exits 0 within 5 seconds
    Given the <service> is registered in Redis and in the service registry
    When the <service> receives SIGTERM
    Then it exits with code 0 within 5 seconds
    And the <service> is registered neither in Redis nor in the service registry

    @exchange @criterion:exchange.1a.graceful-shutdown
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:custodian.1a.graceful-shutdown
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.1a.graceful-shutdown
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:audit-correlator.1a.graceful-shutdown
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> logs structured JSON lines and never a credential
    Then every line the <service> logged is a JSON object with a timestamp, a level and a message
    And the log of the <service> shows a successful start and no error line
    And the log of the <service> contains none of its passwords

    @exchange @criterion:exchange.1a.structured-logging @criterion:orchestrator.4.clean-logs
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:custodian.1a.structured-logging @criterion:orchestrator.4.clean-logs
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.1a.structured-logging @criterion:orchestrator.4.clean-logs
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:audit-correlator.1a.structured-logging @criterion:orchestrator.4.clean-logs
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> answers a malformed request with a JSON 4xx error, never a 500
    When a client posts malformed JSON to <path> on the <service>
    Then the reply is 400 with the JSON error "invalid_json"
    When a client posts a JSON array to <path> on the <service>
    Then the reply is 422 with the JSON error "wrong_type"
    When a client requests <path>/not-an-id from the <service>
    Then the reply is 404 with the JSON error "not_found"

    @exchange @criterion:exchange.1a.error-handling
    Examples: exchange
      | service            | path             |
      | exchange-simulator | /api/v1/accounts |

    @custodian @criterion:custodian.1a.error-handling
    Examples: custodian
      | service             | path              |
      | custodian-simulator | /api/v1/positions |

    @market-data @criterion:market-data.1a.error-handling
    Examples: market-data
      | service               | path              |
      | market-data-simulator | /api/v1/snapshots |

    @audit-correlator @criterion:audit-correlator.1a.error-handling
    Examples: audit-correlator
      | service          | path           |
      | audit-correlator | /api/v1/events |
