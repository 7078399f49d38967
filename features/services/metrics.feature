@TSE-0001.12b @market-data
Feature: Every simulator exposes Prometheus RED metrics at /metrics
  The market-data seed's eight metrics scenarios, run against every simulator: the metrics
  endpoint, its content type, runtime metrics, constant labels, the request counter, the error
  counter, route patterns instead of paths, unknown routes grouped, and the latency histogram.

  Scenario Outline: The <service> exposes its metrics in the Prometheus text format
    When a client scrapes /metrics on the <service>
    Then the reply is 200 and parses as Prometheus text
    And its content type is "text/plain"

    @exchange @criterion:market-data.12b.metrics-endpoint @criterion:market-data.12b.content-type
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.metrics-endpoint @criterion:market-data.12b.content-type
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.metrics-endpoint @criterion:market-data.12b.content-type
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.metrics-endpoint @criterion:market-data.12b.content-type
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> exposes process and runtime metrics
    When a client scrapes /metrics on the <service>
    Then it has the metrics process_cpu_seconds_total, process_resident_memory_bytes, python_gc_objects_collected_total and python_info

    @exchange @criterion:market-data.12b.runtime-metrics
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.runtime-metrics
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.runtime-metrics
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.runtime-metrics
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: Every request metric of the <service> carries its service, instance and version
    Given the <service> has served a health request
    When a client scrapes /metrics on the <service>
    Then every http_ sample carries the labels service, service_instance and version of the <service>

    @exchange @criterion:market-data.12b.constant-labels
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.constant-labels
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.constant-labels
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.constant-labels
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: A successful request to the <service> is counted and timed with its method, route and code
    Given the request counters of the <service> are noted
    When a client asks the <service> for its health
    Then http_requests_total of the <service> for GET "/api/v1/health" code "200" went up by at least 1
    And http_request_duration_seconds_count of the <service> for GET "/api/v1/health" code "200" went up by at least 1
    And http_request_errors_total of the <service> for GET "/api/v1/health" code "200" stayed the same

    @exchange @criterion:market-data.12b.requests-total @criterion:market-data.12b.request-duration
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.requests-total @criterion:market-data.12b.request-duration
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.requests-total @criterion:market-data.12b.request-duration
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.requests-total @criterion:market-data.12b.request-duration
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: A failed request to the <service> increments the error counter
    Given the request counters of the <service> are noted
    When a client requests /api/v1/no-such-route from the <service>
    Then http_request_errors_total of the <service> for GET "unknown" code "404" went up by at least 1

    @exchange @criterion:market-data.12b.error-counter
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.error-counter
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.error-counter
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.error-counter
    Examples: audit-correlator
      | service          |
      | audit-correlator |

  Scenario Outline: The <service> labels requests with the route pattern <pattern>, not the path
    Given the request counters of the <service> are noted
    When a client asks the <service> for 3 different ids under <pattern>
    Then http_requests_total of the <service> for GET "<pattern>" code "404" went up by at least 3
    And no metric of the <service> carries one of those paths as a label

    @exchange @criterion:market-data.12b.route-pattern
    Examples: exchange
      | service            | pattern               |
      | exchange-simulator | /api/v1/accounts/{id} |

    @custodian @criterion:market-data.12b.route-pattern
    Examples: custodian
      | service             | pattern                |
      | custodian-simulator | /api/v1/positions/{id} |

    @market-data @criterion:market-data.12b.route-pattern
    Examples: market-data
      | service               | pattern                |
      | market-data-simulator | /api/v1/snapshots/{id} |

    @audit-correlator @criterion:market-data.12b.route-pattern
    Examples: audit-correlator
      | service          | pattern             |
      | audit-correlator | /api/v1/events/{id} |

  Scenario Outline: The <service> groups unknown routes under route "unknown"
    Given the request counters of the <service> are noted
    When a client asks the <service> for 5 random unknown paths
    Then http_requests_total of the <service> for GET "unknown" code "404" went up by at least 5
    And no metric of the <service> carries one of those paths as a label

    @exchange @criterion:market-data.12b.unknown-routes
    Examples: exchange
      | service            |
      | exchange-simulator |

    @custodian @criterion:market-data.12b.unknown-routes
    Examples: custodian
      | service             |
      | custodian-simulator |

    @market-data @criterion:market-data.12b.unknown-routes
    Examples: market-data
      | service               |
      | market-data-simulator |

    @audit-correlator @criterion:market-data.12b.unknown-routes
    Examples: audit-correlator
      | service          |
      | audit-correlator |
