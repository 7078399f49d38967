-- health_check() per domain schema (jsonb), callable by its role and the observer.
CREATE OR REPLACE FUNCTION market_data.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'market_data')) $$;
CREATE OR REPLACE FUNCTION exchange.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'exchange')) $$;
CREATE OR REPLACE FUNCTION custodian.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'custodian')) $$;
CREATE OR REPLACE FUNCTION risk.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'risk')) $$;
CREATE OR REPLACE FUNCTION trading.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'trading')) $$;
CREATE OR REPLACE FUNCTION test_coordination.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'test_coordination')) $$;
CREATE OR REPLACE FUNCTION audit.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('status', 'healthy', 'tables',
         (SELECT count(*) FROM pg_tables WHERE schemaname = 'audit')) $$;
REVOKE ALL ON FUNCTION market_data.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION market_data.health_check() TO market_data_svc, observer_ro;
REVOKE ALL ON FUNCTION exchange.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION exchange.health_check() TO exchange_svc, observer_ro;
REVOKE ALL ON FUNCTION custodian.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custodian.health_check() TO custodian_svc, observer_ro;
REVOKE ALL ON FUNCTION risk.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION risk.health_check() TO risk_svc, observer_ro;
REVOKE ALL ON FUNCTION trading.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION trading.health_check() TO trading_svc, observer_ro;
REVOKE ALL ON FUNCTION test_coordination.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION test_coordination.health_check() TO test_coordination_svc, observer_ro;
REVOKE ALL ON FUNCTION audit.health_check() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit.health_check() TO audit_svc, observer_ro;
