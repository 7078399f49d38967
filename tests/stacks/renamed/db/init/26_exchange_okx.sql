-- TSE-0001.12.0: the exchange tables again in schema exchange_okx, the okx venue's own
-- (an instance of the exchange simulator); only app_exchange_okx may use it, readonly may read it.

CREATE SCHEMA exchange_okx;


CREATE TABLE exchange_okx.accounts (
    account_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    user_id VARCHAR(100) NOT NULL,
    account_type VARCHAR(50) NOT NULL,
    status VARCHAR(50) NOT NULL,
    kyc_status VARCHAR(50) NOT NULL DEFAULT 'PENDING',
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT unique_user_account_type UNIQUE (user_id, account_type),
    CONSTRAINT valid_account_type CHECK (account_type IN ('SPOT', 'MARGIN', 'FUTURES')),
    CONSTRAINT valid_account_status CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    CONSTRAINT valid_kyc_status CHECK (kyc_status IN ('PENDING', 'APPROVED', 'REJECTED'))
);

CREATE TABLE exchange_okx.orders (
    order_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    external_id VARCHAR(100),
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    side VARCHAR(10) NOT NULL,
    order_type VARCHAR(50) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    filled_quantity DECIMAL(24, 8) NOT NULL DEFAULT 0,
    remaining_quantity DECIMAL(24, 8) NOT NULL,
    price DECIMAL(24, 8),
    stop_price DECIMAL(24, 8),
    status VARCHAR(50) NOT NULL,
    time_in_force VARCHAR(50) DEFAULT 'GTC',
    submitted_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    filled_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    metadata JSONB,
    CONSTRAINT orders_external_id_key UNIQUE (external_id),
    CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange_okx.accounts(account_id),
    CONSTRAINT positive_quantity CHECK (quantity > 0),
    CONSTRAINT valid_filled_quantity CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
    CONSTRAINT remaining_equals_unfilled CHECK (remaining_quantity = quantity - filled_quantity),
    CONSTRAINT valid_order_side CHECK (side IN ('BUY', 'SELL')),
    CONSTRAINT valid_order_type CHECK (order_type IN ('MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LIMIT')),
    CONSTRAINT valid_order_status CHECK (status IN ('PENDING', 'OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED')),
    CONSTRAINT valid_time_in_force CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY'))
);

CREATE TABLE exchange_okx.trades (
    trade_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    order_id UUID NOT NULL,
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    side VARCHAR(10) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    price DECIMAL(24, 8) NOT NULL,
    value DECIMAL(24, 8) NOT NULL,
    fee DECIMAL(24, 8) NOT NULL DEFAULT 0,
    fee_currency VARCHAR(10),
    executed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT trades_order_id_fkey FOREIGN KEY (order_id) REFERENCES exchange_okx.orders(order_id),
    CONSTRAINT trades_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange_okx.accounts(account_id),
    CONSTRAINT positive_trade_quantity CHECK (quantity > 0),
    CONSTRAINT positive_price CHECK (price > 0),
    CONSTRAINT positive_value CHECK (value > 0),
    CONSTRAINT non_negative_fee CHECK (fee >= 0),
    CONSTRAINT valid_trade_side CHECK (side IN ('BUY', 'SELL'))
);

CREATE TABLE exchange_okx.balances (
    balance_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    available_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    locked_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    total_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,
    CONSTRAINT balances_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange_okx.accounts(account_id),
    CONSTRAINT positive_available_balance CHECK (available_balance >= 0),
    CONSTRAINT positive_locked_balance CHECK (locked_balance >= 0),
    CONSTRAINT total_equals_sum CHECK (total_balance = available_balance + locked_balance),
    CONSTRAINT unique_account_symbol UNIQUE (account_id, symbol)
);

CREATE TABLE exchange_okx.order_history (
    history_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    order_id UUID NOT NULL,
    old_status VARCHAR(50),
    new_status VARCHAR(50) NOT NULL,
    old_filled_quantity DECIMAL(24, 8),
    new_filled_quantity DECIMAL(24, 8),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    reason VARCHAR(255),
    metadata JSONB,
    CONSTRAINT order_history_order_id_fkey FOREIGN KEY (order_id) REFERENCES exchange_okx.orders(order_id)
);

CREATE TABLE exchange_okx.audit_log (
    audit_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    account_id UUID NOT NULL,
    entity_type VARCHAR(20) NOT NULL,
    entity_id VARCHAR(100) NOT NULL,
    action VARCHAR(50) NOT NULL,
    reference VARCHAR(100),
    old_value JSONB,
    new_value JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CONSTRAINT audit_log_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange_okx.accounts(account_id),
    CONSTRAINT valid_audit_entity CHECK (entity_type IN ('ACCOUNT', 'BALANCE', 'ORDER'))
);

CREATE TABLE exchange_okx.settlement_outbox (
    outbox_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    row_origin TEXT NOT NULL DEFAULT 'renamed-stack',
    tenant VARCHAR(40) NOT NULL DEFAULT 'house',
    external_id VARCHAR(100) NOT NULL,
    settlement_type VARCHAR(20) NOT NULL,
    account_id UUID NOT NULL,
    symbol VARCHAR(20) NOT NULL,
    quantity DECIMAL(24, 8) NOT NULL,
    source_account VARCHAR(100),
    destination_account VARCHAR(100),
    traceparent VARCHAR(55),
    status VARCHAR(20) NOT NULL DEFAULT 'PENDING',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    settlement_id VARCHAR(100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMPTZ,
    CONSTRAINT settlement_outbox_external_id_key UNIQUE (external_id),
    CONSTRAINT settlement_outbox_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange_okx.accounts(account_id),
    CONSTRAINT valid_outbox_type CHECK (settlement_type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER')),
    CONSTRAINT valid_outbox_status CHECK (status IN ('PENDING', 'SENT')),
    CONSTRAINT positive_outbox_quantity CHECK (quantity > 0)
);

GRANT USAGE, CREATE ON SCHEMA exchange_okx TO app_exchange_okx;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA exchange_okx TO app_exchange_okx;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA exchange_okx TO app_exchange_okx;
GRANT USAGE ON SCHEMA exchange_okx TO readonly;
GRANT SELECT ON ALL TABLES IN SCHEMA exchange_okx TO readonly;
