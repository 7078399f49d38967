@TSE-0001.5 @market-data
Feature: A risk monitor can subscribe to market-data price feeds
  The market-data simulator publishes a random-walk price per symbol every PRICE_UPDATE_INTERVAL
  (compressed in the embedded stack), with bid and ask at a fixed spread of SPREAD_BPS (10 bps),
  keeps a bounded history per symbol in Redis and counts its work in Prometheus metrics.
  A bound of a few price intervals gets 0.5 s more: compressed time does not compress the machine's scheduling.

  @criterion:market-data.5.risk-monitor-subscription @criterion:market-data.5.grpc-stream @criterion:market-data.5.price-feeds @timing
  Scenario: The risk monitor receives BTC/USD and ETH/USD updates within three price intervals
    Given the risk monitor subscribes to the prices of BTC/USD and ETH/USD
    When the feed has published 20 price intervals
    Then the risk monitor received every BTC/USD and ETH/USD update within 3 price intervals of its publication
    And no symbol went without an update for more than 3 price intervals

  @criterion:market-data.5.rest-prices
  Scenario Outline: The REST API returns the current price of <symbol>
    When a client asks market data for the current price of <symbol>
    Then the reply is a quote for <symbol> with a feed sequence and the bid below the price below the ask
    And the list of all prices holds BTC/USD, ETH/USD, ADA/USD, SOL/USD and DOT/USD

    Examples:
      | symbol  |
      | BTC/USD |
      | ETH/USD |

  @criterion:market-data.5.unknown-symbol
  Scenario: An unknown symbol is answered with a JSON 404 and NOT_FOUND
    When a client asks market data for the current price of XXX/USD
    Then the reply is a JSON 404 naming the unknown symbol
    And GetPrice for XXX/USD over gRPC answers NOT_FOUND

  @criterion:market-data.5.fixed-spread
  Scenario: The spread stays fixed at 10 basis points over many updates
    Given the risk monitor subscribes to the prices of BTC/USD and ETH/USD
    When the risk monitor has received 60 updates
    Then every update has its ask minus its bid equal to 10 basis points of its price

  @criterion:market-data.5.volatility
  Scenario: Prices move with a volatility that stays within its bounds
    Given the risk monitor subscribes to the prices of BTC/USD and ETH/USD
    When the risk monitor has received 100 updates
    Then no price moved by more than 6 sigma of 0.001 from one update to the next
    And the prices of both symbols moved

  @criterion:market-data.5.price-history
  Scenario: The price history of each symbol is kept in Redis
    When the feed has published 30 price intervals
    Then the Redis history of BTC/USD holds at least the latest 25 published prices, newest first, without gaps
    And the history endpoint of BTC/USD returns the same prices as Redis

  @criterion:market-data.5.feed-metrics
  Scenario: Prometheus metrics count the published updates and the open subscribers
    Given 2 risk monitors subscribe to the prices of BTC/USD and ETH/USD
    When the feed has published 10 price intervals
    Then market_data_stream_subscribers on /metrics equals the subscriber count of the audit state and is at least 2
    And market_data_price_updates_total grew by the number of prices the feed published meanwhile
