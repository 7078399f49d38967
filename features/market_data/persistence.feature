@TSE-0001.4.3 @market-data
Feature: Market data is persisted in the market_data schema through its data adapter
  The feed writes every published price to price_feeds (in batches), closes an OHLCV candle per
  symbol every CANDLE_INTERVAL (labelled '1m': the embedded stack compresses the compose file's 1m),
  snapshots the market every SNAPSHOT_INTERVAL (5m; the audit API shortens it for these scenarios)
  and seeds the symbols table at start. The monitor user reads.

  Background:
    Given market data snapshots the market every candle interval

  Scenario Outline: The feed stores <what> in market_data.<table> for every symbol
    When the feed has run for 3 candle intervals
    Then the monitor user finds recent rows in market_data.<table> for BTC/USD, ETH/USD, ADA/USD, SOL/USD and DOT/USD

    @criterion:market-data.4.3.publish-price
    Examples: prices
      | what              | table            |
      | published prices  | price_feeds      |

    @criterion:market-data.4.3.publish-candle
    Examples: candles
      | what              | table            |
      | candles           | candles          |

    @criterion:market-data.4.3.create-snapshot
    Examples: snapshots
      | what              | table            |
      | market snapshots  | market_snapshots |

    @criterion:market-data.4.3.active-symbols
    Examples: symbols
      | what              | table            |
      | the symbols       | symbols          |

  @criterion:market-data.4.3.publish-candle @criterion:market-data.4.3.publish-price
  Scenario: Stored candles and prices satisfy the OHLC rules
    When the feed has run for 3 candle intervals
    Then every candle in market_data.candles has low <= open, close <= high, positive prices and end_time after start_time
    And every candle is labelled with a schema interval
    And every row the feed wrote to market_data.price_feeds meanwhile has a positive price between its bid and its ask
