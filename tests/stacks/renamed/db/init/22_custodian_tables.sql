-- custodian: the seed's tables and constraints, plus columns of our own (row_origin, tenant);
-- written for the harness's renamed-stack test, not a copy of the reference stack.

CREATE TABLE custodian.positions (
    position_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
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

CREATE TABLE custodian.settlements (
    settlement_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    external_id VARCHAR(100),
    settlement_type VARCHAR(50) NOT NULL,
    account_id VARCHAR(100) NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    status VARCHAR(50) NOT NULL,
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

CREATE TABLE custodian.balances (
    balance_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
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

CREATE TABLE custodian.audit_events (
    event_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    event_type VARCHAR(100) NOT NULL,
    entity_type VARCHAR(50) NOT NULL,
    entity_id UUID NOT NULL,
    account_id VARCHAR(100),
    operation VARCHAR(50) NOT NULL,
    old_values JSONB,
    new_values JSONB,
    user_id VARCHAR(100),
    timestamp TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT valid_entity_type CHECK (entity_type IN ('POSITION', 'SETTLEMENT', 'BALANCE')),
    CONSTRAINT valid_operation CHECK (operation IN ('CREATE', 'UPDATE', 'DELETE'))
);
