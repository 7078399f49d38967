"""Secrets never reach logs, attachments or the terminal; names, paths and hosts are never rewritten."""
from __future__ import annotations

import json

import pytest

from trading_harness.masking import MASK, mask, register_secret

MASKED = [
    ("redis://exchange-adapter:exchange-pass@127.0.0.1:6379/0", "exchange-pass"),
    ("postgresql://exchange_adapter:exchange-adapter-db-pass@h:5432/db", "exchange-adapter-db-pass"),
    ("host=h port=5 user=x password=s3cr3t-value dbname=y", "s3cr3t-value"),
    ("host=h user=x password='quoted dsn value' dbname=y", "quoted dsn value"),
    ("PASSWORD: 'quoted-secret'", "quoted-secret"),
    ("POSTGRES_PASSWORD: compose-secret", "compose-secret"),
    ("      - POSTGRES_PASSWORD=list-secret", "list-secret"),
    ("PGPASSWORD=env-secret psql -h 127.0.0.1", "env-secret"),
    ("REDIS_PASS: redis-env-secret", "redis-env-secret"),
    ('{"user": "u", "password": "json-secret"}', "json-secret"),
    (json.dumps({"message": 'reply {"password": "escaped-secret"}'}), "escaped-secret"),
    ("user exchange-adapter on >exchange-pass ~exchange:*", "exchange-pass"),
    ("user exchange-adapter on >new-pass <old-acl-secret ~exchange:*", "old-acl-secret"),
    ("ACL SETUSER bob on >setuser-secret ~bob:* +@all", "setuser-secret"),
    ('["ACL", "SETUSER", "bob", "on", ">listed-secret", "~*"]', "listed-secret"),
    ("CREATE ROLE exchange_adapter LOGIN PASSWORD 'sql-secret';", "sql-secret"),
    ("ALTER ROLE r WITH ENCRYPTED PASSWORD 'it''s-secret'", "it''s-secret"),
    ("requirepass conf-secret", "conf-secret"),
    ("port 6379\nmasterauth replica-secret\n", "replica-secret"),
    ("CONFIG SET requirepass config-set-secret", "config-set-secret"),
    ("redis-cli -h 127.0.0.1 -a cli-secret --no-auth-warning ping", "cli-secret"),
    ('test: ["CMD", "redis-cli", "--user", "hc", "-a", "listed-cli-secret", "ping"]', "listed-cli-secret"),
    ("redis-cli --user healthcheck --pass pass-flag-secret ping", "pass-flag-secret"),
    ("redis-cli --pass=pass-eq-secret ping", "pass-eq-secret"),
    ("AUTH admin auth-secret", "auth-secret"),
    ("HELLO 3 AUTH admin hello-secret", "hello-secret"),
]
KEPT = [
    ("POSTGRES_USER: postgres\nPOSTGRES_PASSWORD: postgres\nPOSTGRES_DB: postgres",
     ["POSTGRES_USER: postgres\n", "\nPOSTGRES_DB: postgres"]),
    ("postgresql://postgres:postgres@postgres:5432/postgres", ["postgresql://postgres:", "@postgres:5432/postgres"]),
    ("user postgres on >postgres ~postgres:* +@all", ["user postgres on", "~postgres:*"]),
    ("CREATE ROLE postgres LOGIN PASSWORD 'postgres'", ["CREATE ROLE postgres LOGIN"]),
]


@pytest.mark.parametrize("text, secret", MASKED)
def test_a_password_is_masked_where_it_stands_as_one(text, secret):
    masked = mask(text)
    assert secret not in masked, masked
    assert MASK in masked


@pytest.mark.parametrize("text, kept", KEPT)
def test_only_the_password_is_masked_when_names_equal_it(text, kept):
    masked = mask(text)
    assert masked.count(MASK) == 1, masked
    assert all(part in masked for part in kept), masked


def test_names_paths_and_hosts_equal_to_a_registered_password_are_not_rewritten():
    register_secret("postgres")
    register_secret("redis")
    for text in ["/work/stack/postgres/init/08.sql: line 3",
                 "redis at 127.0.0.1:1, postgres at 127.0.0.1:2",
                 "could not reach postgres:5432 (host postgres)",
                 "role postgres owns schema postgres",
                 "POSTGRES_PASSWORD_FILE: /run/secrets/postgres",
                 "ls -a /postgres/init",
                 "password authentication failed for user \"postgres\"",
                 "environment: {POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}}"]:
        assert mask(text) == text


def test_a_registered_password_that_cannot_be_a_name_is_masked_anywhere():
    register_secret("p@ss!w0rd with space")
    assert mask("echo p@ss!w0rd with space > /tmp/x") == f"echo {MASK} > /tmp/x"


def test_text_without_secrets_is_unchanged():
    for text in ["SET exchange:acceptance:key value -> OK", "3 passed: 12; bypass: true", "x >= 3 and y > 2",
                 "NOAUTH Authentication required.", "# no requirepass here"]:
        assert mask(text) == text


def test_the_shells_working_directory_is_a_path_not_a_password():
    dump = "PATH=/usr/bin\nPWD=/work/main/stack\nOLDPWD=/tmp\nDB_PWD=hunter2x"
    assert mask(dump) == "PATH=/usr/bin\nPWD=/work/main/stack\nOLDPWD=/tmp\nDB_PWD=***"


def test_skipping_a_pattern_whose_text_is_absent_changes_nothing():
    """mask() runs a pattern only where text it needs stands (case folded as re does); every pattern gives the same."""
    corpus = [text for text, _ in MASKED] + [text for text, _ in KEPT] + [
        "pa\u017f\u017fword=long-s-secret", "REQU\u0130REPASS: dotted-secret", "requ\u0131repass dotless-secret",
        "user bob on >angle-secret", "DB_PWD=hunter2x", "nothing to see", '{"status": "passed", "name": "AUTH is refused"}']
    noise = "".join(f'{{"step": "the monitor user reads {i}", "status": "passed"}}\n' for i in range(200))
    for text in corpus + [noise + text + noise for text in corpus]:
        assert mask(text) == mask(text, every_pass=True), text
