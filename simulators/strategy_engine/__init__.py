"""A small trading-strategy engine: market orders on the exchange, every STRATEGY_INTERVAL."""
