"""The exchange simulator: accounts in its own schema, market prices from market-data over gRPC."""
