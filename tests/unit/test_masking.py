"""Secrets never reach logs, attachments or the terminal."""
from __future__ import annotations

import pytest

from trading_harness.masking import mask, register_secret


@pytest.mark.parametrize("text, secret", [
    ("redis://exchange-adapter:exchange-pass@127.0.0.1:6379/0", "exchange-pass"),
    ("postgresql://exchange_adapter:exchange-adapter-db-pass@h:5432/db", "exchange-adapter-db-pass"),
    ("host=h port=5 user=x password=s3cr3t-value dbname=y", "s3cr3t-value"),
    ("PASSWORD: 'quoted-secret'", "quoted-secret"),
    ("user exchange-adapter on >exchange-pass ~exchange:*", "exchange-pass"),
])
def test_known_shapes_are_masked(text, secret):
    masked = mask(text)
    assert secret not in masked
    assert "***" in masked


def test_registered_secrets_are_masked_anywhere():
    register_secret("a-very-distinct-secret")
    assert mask("AUTH someone a-very-distinct-secret") == "AUTH someone ***"


def test_text_without_secrets_is_unchanged():
    text = "SET exchange:acceptance:key value -> OK"
    assert mask(text) == text
