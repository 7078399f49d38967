-- Market Data Domain Schema Initialization (TSE-0001.4).
-- DDL as in the seed; the seed's CREATE USER / early GRANTs / health_check() live in
-- 01-init-schemas.sql. Added: a CHECK for the documented candle intervals, an explicit
-- name (PostgreSQL's default) for the seed's unnamed UNIQUE, and an updated_at trigger.
-- Note: valid_high_low is implied by high_gte_open_close + low_lte_open_close, and
-- PostgreSQL checks CHECKs in name order, so it is never the one reported.

-- price_feeds: Real-time price data
CREATE TABLE IF NOT EXISTS market_data.price_feeds (
    feed_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    symbol VARCHAR(50) NOT NULL,
    price DECIMAL(24, 8) NOT NULL,
    bid DECIMAL(24, 8),
    ask DECIMAL(24, 8),
    volume_24h DECIMAL(24, 8),
    source VARCHAR(100) NOT NULL DEFAULT 'simulator',
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT positive_price CHECK (price > 0),
    CONSTRAINT positive_bid CHECK (bid IS NULL OR bid > 0),
    CONSTRAINT positive_ask CHECK (ask IS NULL OR ask > 0),
    CONSTRAINT positive_volume CHECK (volume_24h IS NULL OR volume_24h >= 0)
);

CREATE INDEX IF NOT EXISTS idx_price_feeds_symbol ON market_data.price_feeds(symbol);
CREATE INDEX IF NOT EXISTS idx_price_feeds_timestamp ON market_data.price_feeds(timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_price_feeds_symbol_timestamp ON market_data.price_feeds(symbol, timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_price_feeds_source ON market_data.price_feeds(source);

-- candles: OHLCV candle data
CREATE TABLE IF NOT EXISTS market_data.candles (
    candle_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    symbol VARCHAR(50) NOT NULL,
    interval VARCHAR(10) NOT NULL, -- '1m', '5m', '15m', '1h', '4h', '1d'
    open DECIMAL(24, 8) NOT NULL,
    high DECIMAL(24, 8) NOT NULL,
    low DECIMAL(24, 8) NOT NULL,
    close DECIMAL(24, 8) NOT NULL,
    volume DECIMAL(24, 8) NOT NULL DEFAULT 0,
    start_time TIMESTAMPTZ NOT NULL,
    end_time TIMESTAMPTZ NOT NULL,
    num_trades INTEGER DEFAULT 0,
    metadata JSONB,

    CONSTRAINT positive_ohlc CHECK (open > 0 AND high > 0 AND low > 0 AND close > 0),
    CONSTRAINT valid_high_low CHECK (high >= low),
    CONSTRAINT high_gte_open_close CHECK (high >= open AND high >= close),
    CONSTRAINT low_lte_open_close CHECK (low <= open AND low <= close),
    CONSTRAINT positive_volume CHECK (volume >= 0),
    CONSTRAINT non_negative_trades CHECK (num_trades >= 0),
    CONSTRAINT valid_candle_interval CHECK (interval IN ('1m', '5m', '15m', '1h', '4h', '1d')),
    CONSTRAINT unique_symbol_interval_time UNIQUE (symbol, interval, start_time)
);

CREATE INDEX IF NOT EXISTS idx_candles_symbol ON market_data.candles(symbol);
CREATE INDEX IF NOT EXISTS idx_candles_interval ON market_data.candles(interval);
CREATE INDEX IF NOT EXISTS idx_candles_start_time ON market_data.candles(start_time DESC);
CREATE INDEX IF NOT EXISTS idx_candles_symbol_interval_time ON market_data.candles(symbol, interval, start_time DESC);

-- market_snapshots: Periodic market state snapshots
CREATE TABLE IF NOT EXISTS market_data.market_snapshots (
    snapshot_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
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

    CONSTRAINT positive_last_price CHECK (last_price > 0),
    CONSTRAINT positive_spread CHECK (spread IS NULL OR spread >= 0)
);

CREATE INDEX IF NOT EXISTS idx_snapshots_symbol ON market_data.market_snapshots(symbol);
CREATE INDEX IF NOT EXISTS idx_snapshots_timestamp ON market_data.market_snapshots(timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_snapshots_symbol_timestamp ON market_data.market_snapshots(symbol, timestamp DESC);

-- symbols: Trading symbol metadata
CREATE TABLE IF NOT EXISTS market_data.symbols (
    symbol_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
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

    CONSTRAINT symbols_symbol_key UNIQUE (symbol)
);

CREATE INDEX IF NOT EXISTS idx_symbols_active ON market_data.symbols(is_active);
CREATE INDEX IF NOT EXISTS idx_symbols_base_currency ON market_data.symbols(base_currency);
CREATE INDEX IF NOT EXISTS idx_symbols_quote_currency ON market_data.symbols(quote_currency);

-- Keeps updated_at current on every UPDATE.
CREATE OR REPLACE FUNCTION market_data.set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER trg_symbols_updated_at
    BEFORE UPDATE ON market_data.symbols
    FOR EACH ROW EXECUTE FUNCTION market_data.set_updated_at();

-- Tables above already get these through default privileges; explicit for clarity.
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA market_data TO market_data_adapter;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA market_data TO market_data_adapter;
GRANT SELECT ON ALL TABLES IN SCHEMA market_data TO monitor_user;

COMMENT ON TABLE market_data.price_feeds IS 'Real-time price data from simulator and external sources';
COMMENT ON TABLE market_data.candles IS 'OHLCV candle data for various intervals';
COMMENT ON TABLE market_data.market_snapshots IS 'Periodic market state snapshots';
COMMENT ON TABLE market_data.symbols IS 'Trading symbol metadata and configuration';
