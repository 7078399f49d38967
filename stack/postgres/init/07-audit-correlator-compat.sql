-- Backward compatibility (TSE-0001.12.0 Phase 6): the audit correlator's "audit_correlator" schema,
-- kept beside "audit" (the singleton instance's schema) for clients that still use the old name.
-- It holds the same four tables as audit (copies with their constraints, indexes, foreign keys and
-- updated_at triggers); audit_adapter owns both schemas' data, monitor_user reads both, and
-- health_check() in either schema reports both.
-- Runs after 02-audit-schema.sql (it copies audit's tables) and 01-init-schemas.sql (roles).

CREATE SCHEMA IF NOT EXISTS audit_correlator;
COMMENT ON SCHEMA audit_correlator IS 'Audit correlator (backward compatibility): the audit schema''s tables under the old name';

-- The seed's migration: tables an older deployment created in public move to audit.
DO $$
DECLARE
    tbl TEXT;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['audit_events', 'service_registrations', 'audit_correlations', 'service_metrics'] LOOP
        IF to_regclass(format('public.%I', tbl)) IS NOT NULL THEN
            EXECUTE format('INSERT INTO audit.%I SELECT * FROM public.%I ON CONFLICT DO NOTHING', tbl, tbl);
            EXECUTE format('DROP TABLE public.%I CASCADE', tbl);
        END IF;
    END LOOP;
END
$$;

DO $$
DECLARE
    tbl TEXT;
    fk RECORD;
    con RECORD;
    copied TEXT;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['audit_events', 'service_registrations', 'audit_correlations', 'service_metrics'] LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS audit_correlator.%I (LIKE audit.%I INCLUDING ALL)', tbl, tbl);
        EXECUTE format('COMMENT ON TABLE audit_correlator.%I IS %L', tbl,
                       obj_description(format('audit.%I', tbl)::regclass, 'pg_class'));
    END LOOP;
    -- LIKE names the copied UNIQUE constraints after their columns: give them audit's names, which
    -- errors report.
    FOR con IN
        SELECT c.conname, c.contype, t.relname AS tbl, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype IN ('u', 'p') AND c.connamespace = 'audit'::regnamespace
    LOOP
        SELECT c.conname INTO copied
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.connamespace = 'audit_correlator'::regnamespace AND t.relname = con.tbl
          AND c.contype = con.contype AND pg_get_constraintdef(c.oid) = con.def;
        IF copied IS NOT NULL AND copied <> con.conname THEN
            EXECUTE format('ALTER TABLE audit_correlator.%I RENAME CONSTRAINT %I TO %I', con.tbl, copied, con.conname);
        END IF;
    END LOOP;
    -- LIKE copies CHECK/UNIQUE/defaults/indexes but not foreign keys: recreate them inside audit_correlator.
    FOR fk IN
        SELECT c.conname, t.relname AS tbl, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND c.connamespace = 'audit'::regnamespace
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = fk.conname
                       AND connamespace = 'audit_correlator'::regnamespace) THEN
            EXECUTE format('ALTER TABLE audit_correlator.%I ADD CONSTRAINT %I %s', fk.tbl, fk.conname,
                           replace(fk.def, 'audit.', 'audit_correlator.'));
        END IF;
    END LOOP;
END
$$;

-- updated_at triggers, as in audit.
CREATE OR REPLACE FUNCTION audit_correlator.set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at := NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER trg_audit_events_updated_at
    BEFORE UPDATE ON audit_correlator.audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_correlator.set_updated_at();
CREATE OR REPLACE TRIGGER trg_service_registrations_updated_at
    BEFORE UPDATE ON audit_correlator.service_registrations
    FOR EACH ROW EXECUTE FUNCTION audit_correlator.set_updated_at();
CREATE OR REPLACE TRIGGER trg_audit_correlations_updated_at
    BEFORE UPDATE ON audit_correlator.audit_correlations
    FOR EACH ROW EXECUTE FUNCTION audit_correlator.set_updated_at();
CREATE OR REPLACE TRIGGER trg_service_metrics_updated_at
    BEFORE UPDATE ON audit_correlator.service_metrics
    FOR EACH ROW EXECUTE FUNCTION audit_correlator.set_updated_at();

-- Permissions: audit_adapter as on audit (usage, create, full rights on tables and sequences, now and
-- later); monitor_user reads.
REVOKE ALL ON SCHEMA audit_correlator FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA audit_correlator TO audit_adapter;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA audit_correlator TO audit_adapter;
GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA audit_correlator TO audit_adapter;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit_correlator GRANT ALL PRIVILEGES ON TABLES TO audit_adapter;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit_correlator GRANT ALL PRIVILEGES ON SEQUENCES TO audit_adapter;
GRANT USAGE ON SCHEMA audit_correlator TO monitor_user;
GRANT SELECT ON ALL TABLES IN SCHEMA audit_correlator TO monitor_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA audit_correlator GRANT SELECT ON TABLES TO monitor_user;
ALTER DEFAULT PRIVILEGES FOR ROLE audit_adapter IN SCHEMA audit_correlator GRANT SELECT ON TABLES TO monitor_user;

-- health_check(), in either schema, reports both: one row per audit schema.
DO $$
DECLARE
    owner TEXT;
BEGIN
    FOREACH owner IN ARRAY ARRAY['audit', 'audit_correlator'] LOOP
        EXECUTE format($fn$
            CREATE OR REPLACE FUNCTION %I.health_check()
            RETURNS TABLE(schema_name TEXT, table_count BIGINT, status TEXT) AS $body$
            BEGIN
                RETURN QUERY
                SELECT s.name::TEXT,
                       COUNT(t.table_name)::BIGINT,
                       CASE WHEN COUNT(t.table_name) > 0 THEN 'healthy' ELSE 'unhealthy' END::TEXT
                FROM unnest(ARRAY['audit', 'audit_correlator']) AS s(name)
                LEFT JOIN information_schema.tables t ON t.table_schema = s.name
                GROUP BY s.name
                ORDER BY s.name;
            END;
            $body$ LANGUAGE plpgsql
        $fn$, owner);
        EXECUTE format('REVOKE ALL ON FUNCTION %I.health_check() FROM PUBLIC', owner);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %I.health_check() TO audit_adapter, monitor_user', owner);
        EXECUTE format('COMMENT ON FUNCTION %I.health_check() IS %L', owner,
                       'Liveness probe: table count and status of both audit schemas (audit, audit_correlator)');
    END LOOP;
END
$$;
