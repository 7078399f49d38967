"""The market-data simulator: price feeds, streams and snapshots in the market_data schema."""
