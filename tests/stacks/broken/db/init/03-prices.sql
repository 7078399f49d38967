-- Market data: quotes per symbol, and a liveness function returning jsonb.
CREATE TABLE prices.quotes (
    quote_id    BIGSERIAL PRIMARY KEY,
    symbol      TEXT        NOT NULL,
    bid         NUMERIC(24, 8) NOT NULL CHECK (bid > 0),
    ask         NUMERIC(24, 8) NOT NULL CHECK (ask > 0),
    quoted_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT quotes_spread CHECK (ask >= bid)
);
GRANT USAGE ON SEQUENCE prices.quotes_quote_id_seq TO pricing_rw;

CREATE FUNCTION prices.health_check() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('status', 'ok', 'quotes', (SELECT count(*) FROM prices.quotes));
$$;
GRANT EXECUTE ON FUNCTION prices.health_check() TO pricing_rw, observer;
