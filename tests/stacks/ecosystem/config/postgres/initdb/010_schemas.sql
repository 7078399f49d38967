-- Schemas: one per domain; the audit correlator keeps its own audit_correlator schema beside audit,
-- and its role is granted both.
CREATE SCHEMA IF NOT EXISTS market_data;
CREATE SCHEMA IF NOT EXISTS exchange;
CREATE SCHEMA IF NOT EXISTS custodian;
CREATE SCHEMA IF NOT EXISTS risk;
CREATE SCHEMA IF NOT EXISTS trading;
CREATE SCHEMA IF NOT EXISTS test_coordination;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS audit_correlator;

GRANT USAGE, CREATE ON SCHEMA market_data TO market_data_svc;
GRANT USAGE, CREATE ON SCHEMA exchange TO exchange_svc;
GRANT USAGE, CREATE ON SCHEMA custodian TO custodian_svc;
GRANT USAGE, CREATE ON SCHEMA risk TO risk_svc;
GRANT USAGE, CREATE ON SCHEMA trading TO trading_svc;
GRANT USAGE, CREATE ON SCHEMA test_coordination TO test_coordination_svc;
GRANT USAGE, CREATE ON SCHEMA audit TO audit_svc;
GRANT USAGE, CREATE ON SCHEMA audit_correlator TO audit_svc;
GRANT USAGE ON SCHEMA market_data, exchange, custodian, risk, trading, test_coordination, audit, audit_correlator TO observer_ro;
