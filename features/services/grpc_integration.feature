@TSE-0001.3b
Feature: Simulators discover each other and talk over gRPC
  A simulator finds a peer through the service registry (no port is configured), calls it over a
  pooled gRPC channel behind a circuit breaker, streams market data to gRPC subscribers, keeps its
  discovery entries alive with heartbeats, and reads its parameters through a TTL cache.

  Scenario Outline: The <caller> finds the <callee> through discovery and calls it over gRPC
    Given the gRPC health check of the <callee> answers SERVING
    When the <caller> calls the <callee> over gRPC 5 times
    Then every call succeeds and names the answering <callee> instance
    And the <caller> opened one pooled channel for those calls

    @exchange @criterion:exchange.3b.discover-peers @criterion:exchange.3b.connection-pooling
    Examples: exchange
      | caller             | callee                |
      | exchange-simulator | market-data-simulator |

    @market-data @criterion:market-data.3b.discover-peers @criterion:market-data.3b.connection-pooling
    Examples: market-data
      | caller                | callee           |
      | market-data-simulator | audit-correlator |

  @exchange @criterion:exchange.3b.discover-peers
  Scenario: The exchange prices BTC/USD by asking market data over gRPC
    When a client asks the exchange-simulator for the market price of BTC/USD
    Then the price comes from the market-data-simulator with a bid below the ask

  @market-data @criterion:market-data.3b.price-streaming
  Scenario: A gRPC subscriber receives a market-data price stream
    When a gRPC client subscribes to StreamPrices for BTC/USD and ETH/USD until it has 20 updates
    Then it receives 20 updates numbered 1 to 20, only for BTC/USD and ETH/USD
    And every update has a positive price with the bid below the ask

  @market-data @criterion:market-data.3b.price-streaming
  Scenario: Subscribing to an unknown symbol is refused
    When a gRPC client subscribes to StreamPrices for the single symbol XXX/USD
    Then the stream is refused with NOT_FOUND

  Scenario Outline: Heartbeats keep the <service> discoverable beyond its TTL
    Then the heartbeat of the <service> is refreshed at least 3 times within 2 service TTLs
    And the discovery entries of the <service> never expire during that time

    @exchange @criterion:exchange.3b.discovery-register @criterion:exchange.3b.discovery-heartbeat @criterion:orchestrator.4.registered
    Examples: exchange
      | service            |
      | exchange-simulator |

    @market-data @criterion:market-data.3b.discovery-register @criterion:market-data.3b.discovery-heartbeat @criterion:orchestrator.4.registered
    Examples: market-data
      | service               |
      | market-data-simulator |

  @lifecycle
  Scenario Outline: A killed <service> disappears from discovery once its TTL has passed
    Given the <service> is registered in Redis and in the service registry
    When the <service> is killed with SIGKILL
    Then the <service> is registered neither in Redis nor in the service registry within the service TTL

    @exchange @criterion:exchange.3b.discovery-heartbeat
    Examples: exchange
      | service            |
      | exchange-simulator |

    @market-data @criterion:market-data.3b.discovery-heartbeat
    Examples: market-data
      | service               |
      | market-data-simulator |

  Scenario Outline: The <service> caches a configuration value and sees an update after the TTL
    Given the registry holds "<key>" = <first> as <type> for the <service>
    When the <service> reads "<key>" through its configuration client
    Then it gets <first> from the registry
    When the registry value of "<key>" for the <service> changes to <second>
    Then the <service> still answers <first> from its cache
    And the <service> answers <second> once its cache TTL has passed, not before

    @exchange @criterion:exchange.3b.config-client @criterion:exchange.3b.config-cache-ttl
    Examples: exchange
      | service            | key              | type    | first | second |
      | exchange-simulator | max_order_size   | integer | 100   | 250    |

    @market-data @criterion:market-data.3b.config-client @criterion:market-data.3b.config-cache-ttl
    Examples: market-data
      | service               | key              | type   | first | second |
      | market-data-simulator | price_volatility | number | 0.02  | 0.05   |

  @lifecycle
  Scenario Outline: The <caller>'s circuit breaker opens while the <callee> is down and closes when it is back
    Given the <caller> has called the <callee> over gRPC successfully
    When the <callee> service is stopped
    And the <caller> calls the <callee> 3 times while it is down
    Then each of those calls fails with "peer_unavailable"
    And the next call from the <caller> fails fast with "circuit_open" without reaching the <callee>
    When the <callee> service is started
    Then a call from the <caller> to the <callee> succeeds again after the breaker cool-down
    And the <caller>'s breaker for the <callee> is closed

    @exchange @criterion:exchange.3b.circuit-breaker
    Examples: exchange
      | caller             | callee                |
      | exchange-simulator | market-data-simulator |

    @market-data @criterion:market-data.3b.circuit-breaker
    Examples: market-data
      | caller                | callee           |
      | market-data-simulator | audit-correlator |
