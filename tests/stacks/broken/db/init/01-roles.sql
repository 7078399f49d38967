-- Login roles, one per domain service, and a read-only observer. Created here, once.
CREATE ROLE pricing_rw LOGIN PASSWORD 'pricing-db-secret';
CREATE ROLE matching_rw LOGIN PASSWORD 'matching-db-secret';
CREATE ROLE vault_rw LOGIN PASSWORD 'vault-db-secret';
CREATE ROLE observer LOGIN PASSWORD 'observer-db-secret';
