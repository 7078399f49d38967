-- market_data: the seed's tables and constraints, plus columns of our own (row_origin, tenant);
-- written for the harness's teams-stack test, not a copy of the reference stack.

CREATE TABLE market_data.price_feeds (
    feed_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
    symbol VARCHAR(50) NOT NULL,
    price DECIMAL(24, 8) NOT NULL,
    bid DECIMAL(24, 8),
    ask DECIMAL(24, 8),
    volume_24h DECIMAL(24, 8),
    source VARCHAR(100) NOT NULL DEFAULT 'simulator',
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT positive_price_eco CHECK (price > 0),
    CONSTRAINT positive_bid_eco CHECK (bid IS NULL OR bid > 0),
    CONSTRAINT positive_ask_eco CHECK (ask IS NULL OR ask > 0),
    CONSTRAINT positive_volume_eco CHECK (volume_24h IS NULL OR volume_24h >= 0)
);

CREATE TABLE market_data.candles (
    candle_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
    symbol VARCHAR(50) NOT NULL,
    interval VARCHAR(10) NOT NULL,
    open DECIMAL(24, 8) NOT NULL,
    high DECIMAL(24, 8) NOT NULL,
    low DECIMAL(24, 8) NOT NULL,
    close DECIMAL(24, 8) NOT NULL,
    volume DECIMAL(24, 8) NOT NULL DEFAULT 0,
    start_time TIMESTAMPTZ NOT NULL,
    end_time TIMESTAMPTZ NOT NULL,
    num_trades INTEGER DEFAULT 0,
    metadata JSONB,
    CONSTRAINT positive_ohlc_eco CHECK (open > 0 AND high > 0 AND low > 0 AND close > 0),
    CONSTRAINT valid_high_low_eco CHECK (high >= low),
    CONSTRAINT high_gte_open_close_eco CHECK (high >= open AND high >= close),
    CONSTRAINT low_lte_open_close_eco CHECK (low <= open AND low <= close),
    CONSTRAINT positive_volume_eco CHECK (volume >= 0),
    CONSTRAINT non_negative_trades_eco CHECK (num_trades >= 0),
    CONSTRAINT valid_candle_interval_eco CHECK (interval IN ('1m', '5m', '15m', '1h', '4h', '1d')),
    CONSTRAINT unique_symbol_interval_time_eco UNIQUE (symbol, interval, start_time)
);

CREATE TABLE market_data.market_snapshots (
    snapshot_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
    symbol VARCHAR(50) NOT NULL,
    last_price DECIMAL(24, 8) NOT NULL,
    bid DECIMAL(24, 8),
    ask DECIMAL(24, 8),
    spread DECIMAL(24, 8),
    volume_24h DECIMAL(24, 8),
    price_change_24h DECIMAL(24, 8),
    price_change_percent_24h DECIMAL(10, 4),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT positive_last_price_eco CHECK (last_price > 0),
    CONSTRAINT positive_spread_eco CHECK (spread IS NULL OR spread >= 0)
);

CREATE TABLE market_data.symbols (
    symbol_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
    symbol VARCHAR(50) NOT NULL,
    base_currency VARCHAR(10) NOT NULL,
    quote_currency VARCHAR(10) NOT NULL,
    display_name VARCHAR(100),
    is_active BOOLEAN NOT NULL DEFAULT true,
    min_price_movement DECIMAL(24, 8),
    min_order_size DECIMAL(24, 8),
    max_order_size DECIMAL(24, 8),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT symbols_symbol_key_eco UNIQUE (symbol)
);
