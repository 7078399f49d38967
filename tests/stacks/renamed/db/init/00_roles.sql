-- Renamed stack: login roles named app_<domain>, a read-only "readonly" role, superuser dbowner.
CREATE ROLE app_market_data LOGIN PASSWORD 'md-sql-secret';
CREATE ROLE app_exchange LOGIN PASSWORD 'ex-sql-secret';
CREATE ROLE app_custodian LOGIN PASSWORD 'cu-sql-secret';
CREATE ROLE app_risk LOGIN PASSWORD 'ri-sql-secret';
CREATE ROLE app_trading LOGIN PASSWORD 'tr-sql-secret';
CREATE ROLE app_test_coordination LOGIN PASSWORD 'tc-sql-secret';
CREATE ROLE app_audit LOGIN PASSWORD 'au-sql-secret';
CREATE ROLE readonly LOGIN PASSWORD 'ro-sql-secret';
-- TSE-0001.12.0: two exchange venues run as instances of the exchange simulator, each with its own role.
CREATE ROLE app_exchange_okx LOGIN PASSWORD 'okx-sql-secret';
CREATE ROLE app_exchange_binance LOGIN PASSWORD 'bnb-sql-secret';
