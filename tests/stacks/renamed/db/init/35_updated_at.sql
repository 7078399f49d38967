-- TSE-0001.12.0: every updated_at column of the audit schemas is stamped on UPDATE by a trigger.
CREATE FUNCTION public.stamp_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT table_schema, table_name FROM information_schema.columns
             WHERE column_name = 'updated_at' AND table_schema IN ('audit', 'audit_correlator') LOOP
        EXECUTE format('CREATE TRIGGER stamp_updated_at BEFORE UPDATE ON %I.%I '
                       'FOR EACH ROW EXECUTE FUNCTION public.stamp_updated_at()', t.table_schema, t.table_name);
    END LOOP;
END $$;
