-- Custodian Domain Schema Initialization (TSE-0001.4).
-- DDL as in the seed; the seed's CREATE USER / early GRANTs / health_check() live in
-- 01-init-schemas.sql. Added: CHECKs for the documented enumerations, and an explicit
-- name (PostgreSQL's default) for the seed's unnamed UNIQUE.

-- positions: Track asset positions held in custody
CREATE TABLE IF NOT EXISTS custodian.positions (
    position_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id VARCHAR(100) NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    available_quantity DECIMAL(24, 8) NOT NULL,
    locked_quantity DECIMAL(24, 8) NOT NULL DEFAULT 0,
    average_cost DECIMAL(24, 8),
    market_value DECIMAL(24, 8),
    currency VARCHAR(10) NOT NULL DEFAULT 'USD',
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT positive_quantity CHECK (quantity >= 0),
    CONSTRAINT available_less_equal_quantity CHECK (available_quantity <= quantity),
    CONSTRAINT unique_account_symbol UNIQUE (account_id, symbol)
);

CREATE INDEX IF NOT EXISTS idx_positions_account ON custodian.positions(account_id);
CREATE INDEX IF NOT EXISTS idx_positions_symbol ON custodian.positions(symbol);
CREATE INDEX IF NOT EXISTS idx_positions_updated ON custodian.positions(last_updated);

-- settlements: Track settlement instructions and status
CREATE TABLE IF NOT EXISTS custodian.settlements (
    settlement_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id VARCHAR(100),
    settlement_type VARCHAR(50) NOT NULL, -- 'DEPOSIT', 'WITHDRAWAL', 'TRANSFER'
    account_id VARCHAR(100) NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    status VARCHAR(50) NOT NULL, -- 'PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'
    source_account VARCHAR(100),
    destination_account VARCHAR(100),
    initiated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at TIMESTAMPTZ,
    expected_settlement_date TIMESTAMPTZ,
    metadata JSONB,

    CONSTRAINT settlements_external_id_key UNIQUE (external_id),
    CONSTRAINT positive_settlement_quantity CHECK (quantity > 0),
    CONSTRAINT valid_settlement_type CHECK (settlement_type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER')),
    CONSTRAINT valid_settlement_status CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'))
);

CREATE INDEX IF NOT EXISTS idx_settlements_account ON custodian.settlements(account_id);
CREATE INDEX IF NOT EXISTS idx_settlements_status ON custodian.settlements(status);
CREATE INDEX IF NOT EXISTS idx_settlements_type ON custodian.settlements(settlement_type);
CREATE INDEX IF NOT EXISTS idx_settlements_initiated ON custodian.settlements(initiated_at);

-- balances: Track account balances and balance history
CREATE TABLE IF NOT EXISTS custodian.balances (
    balance_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id VARCHAR(100) NOT NULL,
    currency VARCHAR(10) NOT NULL,
    available_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    locked_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    total_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT positive_available_balance CHECK (available_balance >= 0),
    CONSTRAINT positive_locked_balance CHECK (locked_balance >= 0),
    CONSTRAINT total_equals_sum CHECK (total_balance = available_balance + locked_balance),
    CONSTRAINT unique_account_currency UNIQUE (account_id, currency)
);

CREATE INDEX IF NOT EXISTS idx_balances_account ON custodian.balances(account_id);
CREATE INDEX IF NOT EXISTS idx_balances_currency ON custodian.balances(currency);
CREATE INDEX IF NOT EXISTS idx_balances_updated ON custodian.balances(last_updated);

-- Create audit table for custodian operations
CREATE TABLE IF NOT EXISTS custodian.audit_events (
    event_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type VARCHAR(100) NOT NULL,
    entity_type VARCHAR(50) NOT NULL, -- 'POSITION', 'SETTLEMENT', 'BALANCE'
    entity_id UUID NOT NULL,
    account_id VARCHAR(100),
    operation VARCHAR(50) NOT NULL, -- 'CREATE', 'UPDATE', 'DELETE'
    old_values JSONB,
    new_values JSONB,
    user_id VARCHAR(100),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT valid_entity_type CHECK (entity_type IN ('POSITION', 'SETTLEMENT', 'BALANCE')),
    CONSTRAINT valid_operation CHECK (operation IN ('CREATE', 'UPDATE', 'DELETE'))
);

CREATE INDEX IF NOT EXISTS idx_custodian_audit_entity ON custodian.audit_events(entity_type, entity_id);
CREATE INDEX IF NOT EXISTS idx_custodian_audit_account ON custodian.audit_events(account_id);
CREATE INDEX IF NOT EXISTS idx_custodian_audit_timestamp ON custodian.audit_events(timestamp);

-- Tables above already get these through default privileges; explicit for clarity.
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA custodian TO custodian_adapter;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA custodian TO custodian_adapter;
GRANT SELECT ON ALL TABLES IN SCHEMA custodian TO monitor_user;

COMMENT ON TABLE custodian.positions IS 'Asset positions held in custody';
COMMENT ON TABLE custodian.settlements IS 'Settlement instructions and tracking';
COMMENT ON TABLE custodian.balances IS 'Account balance tracking with locked/available split';
COMMENT ON TABLE custodian.audit_events IS 'Audit trail for custodian operations';
