-- Multi-instance exchanges (TSE-0001.12.0): each named instance gets its own schema and its
-- own login role, with copies of the exchange schema's tables, constraints, foreign keys and triggers.
-- Instance exchange-okx -> schema exchange_okx, role exchange_okx_adapter.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'exchange_okx_adapter') THEN
        CREATE ROLE exchange_okx_adapter LOGIN PASSWORD 'exchange-okx-adapter-db-pass';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'exchange_binance_adapter') THEN
        CREATE ROLE exchange_binance_adapter LOGIN PASSWORD 'exchange-binance-adapter-db-pass';
    END IF;
END
$$;

DO $$
DECLARE
    instance TEXT;
    adapter TEXT;
    tbl TEXT;
    fk RECORD;
BEGIN
    FOREACH instance IN ARRAY ARRAY['exchange_okx', 'exchange_binance'] LOOP
        adapter := instance || '_adapter';
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', instance);
        EXECUTE format('COMMENT ON SCHEMA %I IS %L', instance, 'Exchange instance ' || instance || ' (TSE-0001.12.0)');
        FOREACH tbl IN ARRAY ARRAY['accounts', 'orders', 'trades', 'balances', 'order_history', 'audit_log', 'settlement_outbox'] LOOP
            IF to_regclass(format('exchange.%I', tbl)) IS NOT NULL THEN
                EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I (LIKE exchange.%I INCLUDING ALL)', instance, tbl, tbl);
            END IF;
        END LOOP;
        -- LIKE copies CHECK/UNIQUE/defaults/indexes but not foreign keys: recreate them inside the instance schema.
        FOR fk IN
            SELECT c.conname, t.relname AS tbl, pg_get_constraintdef(c.oid) AS def
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE c.contype = 'f' AND c.connamespace = 'exchange'::regnamespace
        LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = fk.conname
                           AND connamespace = instance::regnamespace) THEN
                EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', instance, fk.tbl, fk.conname,
                               replace(fk.def, 'exchange.', quote_ident(instance) || '.'));
            END IF;
        END LOOP;
        EXECUTE format($fn$
            CREATE OR REPLACE FUNCTION %I.set_updated_at() RETURNS TRIGGER AS $body$
            BEGIN
                NEW.updated_at := NOW();
                RETURN NEW;
            END;
            $body$ LANGUAGE plpgsql
        $fn$, instance);
        FOREACH tbl IN ARRAY ARRAY['accounts', 'orders'] LOOP
            CONTINUE WHEN to_regclass(format('%I.%I', instance, tbl)) IS NULL;
            EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE UPDATE ON %I.%I FOR EACH ROW '
                           'EXECUTE FUNCTION %I.set_updated_at()', 'trg_' || tbl || '_updated_at', instance, tbl, instance);
        END LOOP;

        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), adapter);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', instance);
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', instance, adapter);
        EXECUTE format('GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA %I TO %I', instance, adapter);
        EXECUTE format('GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA %I TO %I', instance, adapter);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL PRIVILEGES ON TABLES TO %I', instance, adapter);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO monitor_user', instance);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO monitor_user', instance);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO monitor_user', instance);

        EXECUTE format($fn$
            CREATE OR REPLACE FUNCTION %1$I.health_check()
            RETURNS TABLE(schema_name TEXT, table_count BIGINT, status TEXT) AS $body$
            BEGIN
                RETURN QUERY SELECT %2$L::TEXT, COUNT(*)::BIGINT, 'healthy'::TEXT
                FROM information_schema.tables WHERE table_schema = %2$L;
            END;
            $body$ LANGUAGE plpgsql
        $fn$, instance, instance);
        EXECUTE format('REVOKE ALL ON FUNCTION %I.health_check() FROM PUBLIC', instance);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.health_check() TO %I, monitor_user', instance, adapter);
    END LOOP;
END
$$;
