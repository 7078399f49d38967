-- Orders and fills of the matching engine.
CREATE ROLE matching_rw LOGIN PASSWORD 'matching-db-secret';

CREATE TABLE orders.orders (
    order_ref   UUID PRIMARY KEY,
    account     TEXT NOT NULL,
    side        TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    qty         NUMERIC(24, 8) NOT NULL CHECK (qty > 0),
    placed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE orders.fills (
    fill_ref    UUID PRIMARY KEY,
    order_ref   UUID NOT NULL REFERENCES orders.orders (order_ref),
    qty         NUMERIC(24, 8) NOT NULL CHECK (qty > 0)
);
