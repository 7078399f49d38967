-- One schema per seed domain, each usable by its own role; readonly may look everywhere.
CREATE SCHEMA market_data;
CREATE SCHEMA exchange;
CREATE SCHEMA custodian;
CREATE SCHEMA risk;
CREATE SCHEMA trading;
CREATE SCHEMA test_coordination;
CREATE SCHEMA audit;
-- TSE-0001.12.0: the audit schema under its old name, kept for backward compatibility.
CREATE SCHEMA audit_correlator;

GRANT USAGE, CREATE ON SCHEMA market_data TO app_market_data;
GRANT USAGE, CREATE ON SCHEMA exchange TO app_exchange;
GRANT USAGE, CREATE ON SCHEMA custodian TO app_custodian;
GRANT USAGE, CREATE ON SCHEMA risk TO app_risk;
GRANT USAGE, CREATE ON SCHEMA trading TO app_trading;
GRANT USAGE, CREATE ON SCHEMA test_coordination TO app_test_coordination;
GRANT USAGE, CREATE ON SCHEMA audit, audit_correlator TO app_audit;
GRANT USAGE ON SCHEMA market_data, exchange, custodian, risk, trading, test_coordination, audit, audit_correlator TO readonly;
