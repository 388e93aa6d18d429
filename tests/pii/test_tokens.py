from __future__ import annotations

import pytest

from proxy.pii.tokens import (
    TOKEN_PATTERN,
    InMemoryKeyStore,
    TokenError,
    Tokenizer,
    TokenKeyDestroyed,
    subject_key_id,
)

MASTER = b"m" * 32


@pytest.fixture
def tokenizer() -> Tokenizer:
    return Tokenizer(InMemoryKeyStore(), MASTER)


def test_round_trip_and_determinism(tokenizer: Tokenizer) -> None:
    key_id = tokenizer.key_id_for("zhangwei@example.com")
    token = tokenizer.tokenize("张伟", "PERSON", key_id)
    assert token == tokenizer.tokenize("张伟", "PERSON", key_id)
    assert TOKEN_PATTERN.fullmatch(token)
    assert "张伟" not in token
    assert tokenizer.detokenize(token) == "张伟"


def test_key_id_follows_the_normalized_identifier() -> None:
    assert subject_key_id(MASTER, "+86 138-1234-5678") == subject_key_id(MASTER, "8613812345678")
    assert subject_key_id(MASTER, "A@Example.com") == subject_key_id(MASTER, "a@example.com")
    assert subject_key_id(MASTER, "a@example.com") != subject_key_id(b"n" * 32, "a@example.com")


def test_destroying_the_subject_key_makes_tokens_unrecoverable() -> None:
    store = InMemoryKeyStore()
    tokenizer = Tokenizer(store, MASTER)
    key_id = tokenizer.key_id_for("11010519491231002X")
    token = tokenizer.tokenize("13812345678", "PHONE_NUMBER", key_id)
    other = tokenizer.tokenize("someone else", "PERSON", tokenizer.key_id_for("b@example.com"))
    assert store.destroy(key_id)
    with pytest.raises(TokenKeyDestroyed) as error:
        tokenizer.detokenize(token)
    assert "13812345678" not in str(error.value)
    assert tokenizer.detokenize(other) == "someone else"
    assert not store.destroy(key_id)


def test_tampered_or_relabelled_tokens_fail(tokenizer: Tokenizer) -> None:
    token = tokenizer.tokenize("13812345678", "PHONE_NUMBER", tokenizer.key_id_for("x"))
    relabelled = token.replace("tok_PHONE_NUMBER", "tok_PERSON")
    with pytest.raises(TokenError):
        tokenizer.detokenize(relabelled)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(TokenError):
        tokenizer.detokenize(flipped)
    with pytest.raises(TokenError):
        tokenizer.detokenize("not-a-token")
