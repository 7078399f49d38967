-- custodian: the seed's tables and constraints, plus columns of our own (row_origin, tenant);
-- written for the harness's teams-stack test, not a copy of the reference stack.

CREATE TABLE custodian.positions (
    position_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
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
    CONSTRAINT positive_quantity_eco CHECK (quantity >= 0),
    CONSTRAINT available_less_equal_quantity_eco CHECK (available_quantity <= quantity),
    CONSTRAINT unique_account_symbol_eco UNIQUE (account_id, symbol)
);

CREATE TABLE custodian.settlements (
    settlement_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
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
    CONSTRAINT settlements_external_id_key_eco UNIQUE (external_id),
    CONSTRAINT positive_settlement_quantity_eco CHECK (quantity > 0),
    CONSTRAINT valid_settlement_type_eco CHECK (settlement_type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER')),
    CONSTRAINT valid_settlement_status_eco CHECK (status IN ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'))
);

CREATE TABLE custodian.balances (
    balance_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
    account_id VARCHAR(100) NOT NULL,
    currency VARCHAR(10) NOT NULL,
    available_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    locked_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    total_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT positive_available_balance_eco CHECK (available_balance >= 0),
    CONSTRAINT positive_locked_balance_eco CHECK (locked_balance >= 0),
    CONSTRAINT total_equals_sum_eco CHECK (total_balance = available_balance + locked_balance),
    CONSTRAINT unique_account_currency_eco UNIQUE (account_id, currency)
);

CREATE TABLE custodian.audit_events (
    event_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'teams-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    shard SMALLINT NOT NULL DEFAULT 0,
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
    CONSTRAINT valid_entity_type_eco CHECK (entity_type IN ('POSITION', 'SETTLEMENT', 'BALANCE')),
    CONSTRAINT valid_operation_eco CHECK (operation IN ('CREATE', 'UPDATE', 'DELETE'))
);
