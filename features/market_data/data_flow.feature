@TSE-0001.13a @market-data
Feature: Market data flows from the simulator to the risk monitor accurately, fast and resiliently
  The risk monitor's PriceSubscriber (simulators/risk_monitor/prices.py) streams every published
  update (StreamPrices with interval_ms = 0) and records when each arrived.

  @criterion:market-data.13a.accuracy @criterion:market-data.13a.end-to-end
  Scenario: Every update the risk monitor receives is exactly what market data published
    Given the risk monitor subscribes to the prices of BTC/USD, ETH/USD, ADA/USD, SOL/USD and DOT/USD
    When the risk monitor has received 150 updates
    Then every received update equals the published price with the same feed sequence in the Redis history
    And the risk monitor saw no gap in the feed sequence of any symbol

  @criterion:market-data.13a.latency @timing
  Scenario: Updates reach the risk monitor within 50 ms at the 99th percentile at 20 updates per second
    Given the feed publishes 20 updates per second per symbol
    And the risk monitor subscribes to the prices of BTC/USD, ETH/USD, ADA/USD, SOL/USD and DOT/USD
    When the risk monitor has received 250 updates
    Then the 99th percentile of publish-to-receive latency is at most 50 ms

  @criterion:market-data.13a.resilience @criterion:market-data.13a.end-to-end
  Scenario: The risk monitor resumes receiving within 2 s after market data restarts
    Given the risk monitor subscribes to the prices of BTC/USD and ETH/USD
    And the risk monitor has received 10 updates
    When the market-data-simulator restarts
    Then the risk monitor receives new updates within 2 s of market data answering again
    And the risk monitor reconnected by itself
