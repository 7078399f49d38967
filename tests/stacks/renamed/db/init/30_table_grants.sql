-- Table rights, granted once the tables exist.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA market_data TO app_market_data;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA exchange TO app_exchange;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA custodian TO app_custodian;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA audit, audit_correlator TO app_audit;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA market_data TO app_market_data;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA exchange TO app_exchange;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA custodian TO app_custodian;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA audit, audit_correlator TO app_audit;
GRANT SELECT ON ALL TABLES IN SCHEMA market_data, exchange, custodian, risk, trading, test_coordination, audit, audit_correlator TO readonly;
