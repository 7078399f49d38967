-- Custody: positions held per account.
CREATE TABLE custody.positions (
    account     TEXT NOT NULL,
    asset       TEXT NOT NULL,
    amount      NUMERIC(24, 8) NOT NULL DEFAULT 0,
    PRIMARY KEY (account, asset)
);
