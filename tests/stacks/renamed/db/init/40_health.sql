-- health_check() per schema returns jsonb ({"status": ..., "tables": n}); risk's returns plain text.
CREATE FUNCTION market_data.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'market_data')) $$;
CREATE FUNCTION exchange.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'exchange')) $$;
CREATE FUNCTION custodian.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'custodian')) $$;
CREATE FUNCTION trading.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables', 0) $$;
CREATE FUNCTION test_coordination.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables', 0) $$;
-- audit's (and its old name's) reports both audit schemas: {"status": ..., "schemas": {"audit": {...}, ...}}.
CREATE FUNCTION audit.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
           'status', CASE WHEN bool_and(n > 0) THEN 'healthy' ELSE 'degraded' END,
           'schemas', jsonb_object_agg(s, jsonb_build_object('tables', n,
                                                             'status', CASE WHEN n > 0 THEN 'healthy' ELSE 'empty' END)))
  FROM (SELECT s, (SELECT count(*) FROM pg_tables WHERE schemaname = s) AS n
        FROM unnest(ARRAY['audit', 'audit_correlator']) AS s) AS per_schema $$;
CREATE FUNCTION audit_correlator.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$ SELECT audit.health_check() $$;
CREATE FUNCTION risk.health_check() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'healthy'::text $$;

REVOKE ALL ON FUNCTION market_data.health_check(), exchange.health_check(), custodian.health_check(),
    trading.health_check(), test_coordination.health_check(), audit.health_check(), audit_correlator.health_check(),
    risk.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION market_data.health_check() TO app_market_data, readonly;
GRANT EXECUTE ON FUNCTION exchange.health_check() TO app_exchange, readonly;
GRANT EXECUTE ON FUNCTION custodian.health_check() TO app_custodian, readonly;
GRANT EXECUTE ON FUNCTION risk.health_check() TO app_risk, readonly;
GRANT EXECUTE ON FUNCTION trading.health_check() TO app_trading, readonly;
GRANT EXECUTE ON FUNCTION test_coordination.health_check() TO app_test_coordination, readonly;
GRANT EXECUTE ON FUNCTION audit.health_check(), audit_correlator.health_check() TO app_audit, readonly;
