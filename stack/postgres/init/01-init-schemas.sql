-- Trading ecosystem: domain schemas, login roles and privileges (TSE-0001.3a, TSE-0001.4).
-- Runs once as the superuser in the database the image created from POSTGRES_DB.
-- Every role is created exactly once (guarded), so re-running is harmless.

-- ---------------------------------------------------------------------------
-- Nothing for PUBLIC: no connect/temp on the database, no CREATE on public.
-- ---------------------------------------------------------------------------
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Schemas
-- ---------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS market_data;
CREATE SCHEMA IF NOT EXISTS exchange;
CREATE SCHEMA IF NOT EXISTS custodian;
CREATE SCHEMA IF NOT EXISTS risk;
CREATE SCHEMA IF NOT EXISTS trading;
CREATE SCHEMA IF NOT EXISTS test_coordination;
CREATE SCHEMA IF NOT EXISTS audit;

COMMENT ON SCHEMA market_data IS 'Market data domain: price feeds, candles, snapshots, symbols';
COMMENT ON SCHEMA exchange IS 'Exchange domain: accounts, orders, trades, balances';
COMMENT ON SCHEMA custodian IS 'Custodian domain: positions, settlements, balances';
COMMENT ON SCHEMA risk IS 'Risk monitoring domain';
COMMENT ON SCHEMA trading IS 'Trading engine domain';
COMMENT ON SCHEMA test_coordination IS 'Test coordination domain';
COMMENT ON SCHEMA audit IS 'Audit correlator domain: events, registrations, correlations, metrics';

-- ---------------------------------------------------------------------------
-- Login roles: one per domain adapter, plus a read-only monitor.
-- ---------------------------------------------------------------------------
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'market_data_adapter') THEN
        CREATE ROLE market_data_adapter LOGIN PASSWORD 'market-data-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'exchange_adapter') THEN
        CREATE ROLE exchange_adapter LOGIN PASSWORD 'exchange-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custodian_adapter') THEN
        CREATE ROLE custodian_adapter LOGIN PASSWORD 'custodian-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'risk_adapter') THEN
        CREATE ROLE risk_adapter LOGIN PASSWORD 'risk-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'trading_adapter') THEN
        CREATE ROLE trading_adapter LOGIN PASSWORD 'trading-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'test_coordination_adapter') THEN
        CREATE ROLE test_coordination_adapter LOGIN PASSWORD 'test-coordination-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'audit_adapter') THEN
        CREATE ROLE audit_adapter LOGIN PASSWORD 'audit-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'monitor_user') THEN
        CREATE ROLE monitor_user LOGIN PASSWORD 'monitor-db-pass';
    END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Privileges. Each adapter: CONNECT, and USAGE, CREATE plus full table/sequence
-- rights on its own schema only (including tables created later by the superuser).
-- CREATE lets the table-less domains (risk, trading, test_coordination) hold data.
-- monitor_user: CONNECT, USAGE and SELECT on every domain schema (whoever creates the table).
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    domain TEXT;
    adapter TEXT;
BEGIN
    FOREACH domain IN ARRAY ARRAY['market_data', 'exchange', 'custodian', 'risk',
                                  'trading', 'test_coordination', 'audit'] LOOP
        adapter := domain || '_adapter';
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), adapter);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', domain);
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', domain, adapter);
        EXECUTE format('GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA %I TO %I', domain, adapter);
        EXECUTE format('GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA %I TO %I', domain, adapter);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL PRIVILEGES ON TABLES TO %I', domain, adapter);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL PRIVILEGES ON SEQUENCES TO %I', domain, adapter);

        EXECUTE format('GRANT USAGE ON SCHEMA %I TO monitor_user', domain);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO monitor_user', domain);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO monitor_user', domain);
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO monitor_user',
                       adapter, domain);
    END LOOP;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO monitor_user', current_database());
END
$$;

-- ---------------------------------------------------------------------------
-- <schema>.health_check(): one per domain schema, callable by its adapter and
-- monitor_user only.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    domain TEXT;
BEGIN
    FOREACH domain IN ARRAY ARRAY['market_data', 'exchange', 'custodian', 'risk',
                                  'trading', 'test_coordination', 'audit'] LOOP
        EXECUTE format($fn$
            CREATE OR REPLACE FUNCTION %1$I.health_check()
            RETURNS TABLE(schema_name TEXT, table_count BIGINT, status TEXT) AS $body$
            BEGIN
                RETURN QUERY
                SELECT
                    %2$L::TEXT,
                    COUNT(*)::BIGINT,
                    'healthy'::TEXT
                FROM information_schema.tables
                WHERE table_schema = %2$L;
            END;
            $body$ LANGUAGE plpgsql
        $fn$, domain, domain);
        EXECUTE format('REVOKE ALL ON FUNCTION %I.health_check() FROM PUBLIC', domain);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.health_check() TO %I', domain, domain || '_adapter');
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.health_check() TO monitor_user', domain);
        EXECUTE format('COMMENT ON FUNCTION %I.health_check() IS %L', domain,
                       'Liveness probe: table count and status for the ' || domain || ' schema');
    END LOOP;
END
$$;
