-- Roles of the teams' stack: one <domain>_svc login role per service, a read-only observer_ro, and
-- metrics_reader for the PostgreSQL exporter. Passwords as in compose.yaml (dev only).
CREATE USER market_data_svc WITH LOGIN PASSWORD 'market-data-db-pw-068';
CREATE USER exchange_svc WITH LOGIN PASSWORD 'exchange-db-pw-c24';
CREATE USER custodian_svc WITH LOGIN PASSWORD 'custodian-db-pw-e46';
CREATE USER risk_svc WITH LOGIN PASSWORD 'risk-db-pw-8e0';
CREATE USER trading_svc WITH LOGIN PASSWORD 'trading-db-pw-4ac';
CREATE USER test_coordination_svc WITH LOGIN PASSWORD 'coordination-db-pw-6ce';
CREATE USER audit_svc WITH LOGIN PASSWORD 'audit-db-pw-28a';
CREATE USER observer_ro WITH LOGIN PASSWORD 'observer-db-pw-9a7';
CREATE USER metrics_reader WITH LOGIN PASSWORD 'pg-metrics-pw-0e4';
GRANT pg_monitor TO metrics_reader;
