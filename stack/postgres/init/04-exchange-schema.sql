-- Exchange Domain Schema Initialization (TSE-0001.4.2).
-- DDL as in the seed; the seed's CREATE USER / early GRANTs / health_check() live in
-- 01-init-schemas.sql. Added: CHECKs for the documented enumerations, explicit names
-- (PostgreSQL's defaults) for the seed's unnamed UNIQUE and FOREIGN KEY constraints,
-- and updated_at triggers. Added tables (issue 4, domain behaviour): audit_log (every account,
-- balance and order state change, old and new value) and settlement_outbox (settlement
-- instructions for the custodian, written in the same transaction as the balance movement and
-- sent in order by the exchange's dispatcher). Identity columns, not serials: the instance
-- copies (06-exchange-instances.sql) get their own sequences.

-- accounts: User trading accounts
CREATE TABLE IF NOT EXISTS exchange.accounts (
    account_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id VARCHAR(100) NOT NULL,
    account_type VARCHAR(50) NOT NULL, -- 'SPOT', 'MARGIN', 'FUTURES'
    status VARCHAR(50) NOT NULL, -- 'ACTIVE', 'SUSPENDED', 'CLOSED'
    kyc_status VARCHAR(50) NOT NULL DEFAULT 'PENDING', -- 'PENDING', 'APPROVED', 'REJECTED'
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT unique_user_account_type UNIQUE (user_id, account_type),
    CONSTRAINT valid_account_type CHECK (account_type IN ('SPOT', 'MARGIN', 'FUTURES')),
    CONSTRAINT valid_account_status CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    CONSTRAINT valid_kyc_status CHECK (kyc_status IN ('PENDING', 'APPROVED', 'REJECTED'))
);

CREATE INDEX IF NOT EXISTS idx_accounts_user ON exchange.accounts(user_id);
CREATE INDEX IF NOT EXISTS idx_accounts_status ON exchange.accounts(status);
CREATE INDEX IF NOT EXISTS idx_accounts_created ON exchange.accounts(created_at);

-- orders: Trading orders
CREATE TABLE IF NOT EXISTS exchange.orders (
    order_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    external_id VARCHAR(100),
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    side VARCHAR(10) NOT NULL, -- 'BUY', 'SELL'
    order_type VARCHAR(50) NOT NULL, -- 'MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LIMIT'
    quantity DECIMAL(24, 8) NOT NULL,
    filled_quantity DECIMAL(24, 8) NOT NULL DEFAULT 0,
    remaining_quantity DECIMAL(24, 8) NOT NULL,
    price DECIMAL(24, 8), -- NULL for market orders
    stop_price DECIMAL(24, 8), -- For stop orders
    status VARCHAR(50) NOT NULL, -- 'PENDING', 'OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED'
    time_in_force VARCHAR(50) DEFAULT 'GTC', -- 'GTC', 'IOC', 'FOK', 'DAY'
    submitted_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    filled_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    metadata JSONB,

    CONSTRAINT orders_external_id_key UNIQUE (external_id),
    CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange.accounts(account_id),
    CONSTRAINT positive_quantity CHECK (quantity > 0),
    CONSTRAINT valid_filled_quantity CHECK (filled_quantity >= 0 AND filled_quantity <= quantity),
    CONSTRAINT remaining_equals_unfilled CHECK (remaining_quantity = quantity - filled_quantity),
    CONSTRAINT valid_order_side CHECK (side IN ('BUY', 'SELL')),
    CONSTRAINT valid_order_type CHECK (order_type IN ('MARKET', 'LIMIT', 'STOP_LOSS', 'STOP_LIMIT')),
    CONSTRAINT valid_order_status CHECK (status IN ('PENDING', 'OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED')),
    CONSTRAINT valid_time_in_force CHECK (time_in_force IN ('GTC', 'IOC', 'FOK', 'DAY'))
);

CREATE INDEX IF NOT EXISTS idx_orders_account ON exchange.orders(account_id);
CREATE INDEX IF NOT EXISTS idx_orders_symbol ON exchange.orders(symbol);
CREATE INDEX IF NOT EXISTS idx_orders_status ON exchange.orders(status);
CREATE INDEX IF NOT EXISTS idx_orders_submitted ON exchange.orders(submitted_at);
CREATE INDEX IF NOT EXISTS idx_orders_external ON exchange.orders(external_id);

-- trades: Executed trades (fills)
CREATE TABLE IF NOT EXISTS exchange.trades (
    trade_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id UUID NOT NULL,
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    side VARCHAR(10) NOT NULL, -- 'BUY', 'SELL'
    quantity DECIMAL(24, 8) NOT NULL,
    price DECIMAL(24, 8) NOT NULL,
    value DECIMAL(24, 8) NOT NULL, -- quantity * price
    fee DECIMAL(24, 8) NOT NULL DEFAULT 0,
    fee_currency VARCHAR(10),
    executed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT trades_order_id_fkey FOREIGN KEY (order_id) REFERENCES exchange.orders(order_id),
    CONSTRAINT trades_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange.accounts(account_id),
    CONSTRAINT positive_trade_quantity CHECK (quantity > 0),
    CONSTRAINT positive_price CHECK (price > 0),
    CONSTRAINT positive_value CHECK (value > 0),
    CONSTRAINT non_negative_fee CHECK (fee >= 0),
    CONSTRAINT valid_trade_side CHECK (side IN ('BUY', 'SELL'))
);

CREATE INDEX IF NOT EXISTS idx_trades_order ON exchange.trades(order_id);
CREATE INDEX IF NOT EXISTS idx_trades_account ON exchange.trades(account_id);
CREATE INDEX IF NOT EXISTS idx_trades_symbol ON exchange.trades(symbol);
CREATE INDEX IF NOT EXISTS idx_trades_executed ON exchange.trades(executed_at);

-- balances: Account balances per symbol
CREATE TABLE IF NOT EXISTS exchange.balances (
    balance_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id UUID NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    available_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    locked_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    total_balance DECIMAL(24, 8) NOT NULL DEFAULT 0,
    last_updated TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    metadata JSONB,

    CONSTRAINT balances_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange.accounts(account_id),
    CONSTRAINT positive_available_balance CHECK (available_balance >= 0),
    CONSTRAINT positive_locked_balance CHECK (locked_balance >= 0),
    CONSTRAINT total_equals_sum CHECK (total_balance = available_balance + locked_balance),
    CONSTRAINT unique_account_symbol UNIQUE (account_id, symbol)
);

CREATE INDEX IF NOT EXISTS idx_balances_account ON exchange.balances(account_id);
CREATE INDEX IF NOT EXISTS idx_balances_symbol ON exchange.balances(symbol);
CREATE INDEX IF NOT EXISTS idx_balances_updated ON exchange.balances(last_updated);

-- order_history: Order state changes audit trail
CREATE TABLE IF NOT EXISTS exchange.order_history (
    history_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id UUID NOT NULL,
    old_status VARCHAR(50),
    new_status VARCHAR(50) NOT NULL,
    old_filled_quantity DECIMAL(24, 8),
    new_filled_quantity DECIMAL(24, 8),
    changed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    reason VARCHAR(255),
    metadata JSONB,

    CONSTRAINT order_history_order_id_fkey FOREIGN KEY (order_id) REFERENCES exchange.orders(order_id)
);

CREATE INDEX IF NOT EXISTS idx_order_history_order ON exchange.order_history(order_id);
CREATE INDEX IF NOT EXISTS idx_order_history_changed ON exchange.order_history(changed_at);

-- audit_log (added): every state change of an account, a balance or an order
CREATE TABLE IF NOT EXISTS exchange.audit_log (
    audit_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL,
    entity_type VARCHAR(20) NOT NULL, -- 'ACCOUNT', 'BALANCE', 'ORDER'
    entity_id VARCHAR(100) NOT NULL, -- account_id, '<account_id>:<asset>' or order_id
    action VARCHAR(50) NOT NULL, -- 'ACCOUNT_OPENED', 'DEPOSIT', 'LOCK', 'UNLOCK', 'TRADE', 'ORDER_STATUS', ...
    reference VARCHAR(100), -- the deposit, order or trade that caused it
    old_value JSONB,
    new_value JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),

    CONSTRAINT audit_log_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange.accounts(account_id),
    CONSTRAINT valid_audit_entity CHECK (entity_type IN ('ACCOUNT', 'BALANCE', 'ORDER'))
);

CREATE INDEX IF NOT EXISTS idx_audit_log_account ON exchange.audit_log(account_id);
CREATE INDEX IF NOT EXISTS idx_audit_log_reference ON exchange.audit_log(reference);

-- settlement_outbox (added): settlement instructions towards the custodian, in creation order
CREATE TABLE IF NOT EXISTS exchange.settlement_outbox (
    outbox_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    external_id VARCHAR(100) NOT NULL, -- '<deposit_id>:<asset>' or '<trade_id>:<asset>'
    settlement_type VARCHAR(20) NOT NULL, -- 'DEPOSIT', 'WITHDRAWAL', 'TRANSFER'
    account_id UUID NOT NULL,
    symbol VARCHAR(20) NOT NULL, -- the asset
    quantity DECIMAL(24, 8) NOT NULL,
    source_account VARCHAR(100),
    destination_account VARCHAR(100),
    status VARCHAR(20) NOT NULL DEFAULT 'PENDING', -- 'PENDING', 'SENT'
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    settlement_id VARCHAR(100), -- the custodian's id, once acknowledged
    traceparent VARCHAR(55), -- W3C trace context of the movement, continued when the instruction is sent
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    sent_at TIMESTAMPTZ,

    CONSTRAINT settlement_outbox_external_id_key UNIQUE (external_id),
    CONSTRAINT settlement_outbox_account_id_fkey FOREIGN KEY (account_id) REFERENCES exchange.accounts(account_id),
    CONSTRAINT valid_outbox_type CHECK (settlement_type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER')),
    CONSTRAINT valid_outbox_status CHECK (status IN ('PENDING', 'SENT')),
    CONSTRAINT positive_outbox_quantity CHECK (quantity > 0)
);

CREATE INDEX IF NOT EXISTS idx_settlement_outbox_pending ON exchange.settlement_outbox(outbox_id) WHERE status = 'PENDING';

-- Keeps updated_at current on every UPDATE.
CREATE OR REPLACE FUNCTION exchange.set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER trg_accounts_updated_at
    BEFORE UPDATE ON exchange.accounts
    FOR EACH ROW EXECUTE FUNCTION exchange.set_updated_at();
CREATE OR REPLACE TRIGGER trg_orders_updated_at
    BEFORE UPDATE ON exchange.orders
    FOR EACH ROW EXECUTE FUNCTION exchange.set_updated_at();

-- Tables above already get these through default privileges; explicit for clarity.
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA exchange TO exchange_adapter;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA exchange TO exchange_adapter;
GRANT SELECT ON ALL TABLES IN SCHEMA exchange TO monitor_user;

COMMENT ON TABLE exchange.accounts IS 'User trading accounts with KYC status';
COMMENT ON TABLE exchange.orders IS 'Trading orders with fill tracking';
COMMENT ON TABLE exchange.trades IS 'Executed trades (order fills)';
COMMENT ON TABLE exchange.balances IS 'Account balances with locked/available split';
COMMENT ON TABLE exchange.order_history IS 'Audit trail for order state changes';
COMMENT ON TABLE exchange.audit_log IS 'Audit trail for account, balance and order state changes (added)';
COMMENT ON TABLE exchange.settlement_outbox IS 'Settlement instructions for the custodian, sent in order (added)';
