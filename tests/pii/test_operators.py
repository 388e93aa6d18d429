from __future__ import annotations

import pytest

from proxy.pii.operators import OperatorContext, apply, generalize, partial, pseudonym, redact
from proxy.pii.profiles import Operator
from proxy.pii.tokens import InMemoryKeyStore, Tokenizer

KEY = b"k" * 32


@pytest.mark.parametrize(("value", "entity", "expected"), [
    ("13812345678", "PHONE_NUMBER", "138****5678"),
    ("+86 138 1234 5678", "PHONE_NUMBER", "+86 138 **** 5678"),
    ("+8613812345678", "PHONE_NUMBER", "+86138****5678"),
    ("zhangwei@example.com", "EMAIL_ADDRESS", "z***@example.com"),
    ("zhangwei%40example.com", "EMAIL_ADDRESS", "***"),  # no "@": nothing to keep
    ("11010519491231002X", "CN_RESIDENT_ID", "110105********002X"),
    ("4111111111110123", "CREDIT_CARD", "**** **** **** 0123"),
    ("6222 0212 3456 7890 128", "CREDIT_CARD", "**** **** **** **** 0128"),
    ("DE89370400440532013000", "IBAN_CODE", "DE89**************3000"),
    ("FR76 3000 6000 0112 3456 7890 189", "IBAN_CODE", "FR76 **** **** **** **** ***0 189"),
    ("\uff11\uff13\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "PHONE_NUMBER",
     "\uff11\uff13\uff18****\uff15\uff16\uff17\uff18"),  # full-width digits
    ("0049 30 1234567", "PHONE_NUMBER", "0049 30 ***4567"),
    ("张伟", "PERSON", "张*"),
    ("John Smith", "PERSON", "J*** S***"),
])
def test_partial_keeps_the_format(value: str, entity: str, expected: str) -> None:
    assert partial(value, entity) == expected


@pytest.mark.parametrize(("value", "entity", "expected"), [
    ("1985-03-12", "DATE_OF_BIRTH", "1985"),
    ("12.03.1985", "DATE_OF_BIRTH", "1985"),
    ("1985年3月12日", "DATE_OF_BIRTH", "1985"),
    ("北京市朝阳区建国路88号", "LOCATION", "北京市"),
    ("广东省广州市天河区体育西路1号", "LOCATION", "广东省广州市"),
    ("1600 Pennsylvania Avenue\nWashington, DC 20500", "LOCATION", "Washington"),
    ("Hauptstraße 5, 10115 Berlin", "LOCATION", "Berlin"),
    ("somewhere unknown", "LOCATION", "<LOCATION>"),
    ("13812345678", "PHONE_NUMBER", "<PHONE_NUMBER>"),
])
def test_generalize(value: str, entity: str, expected: str) -> None:
    assert generalize(value, entity) == expected


def test_redact_is_typed() -> None:
    assert redact("13812345678", "PHONE_NUMBER") == "<PHONE_NUMBER>"


def test_pseudonym_is_stable_keyed_and_hides_the_value() -> None:
    first = pseudonym("Zhang.Wei@Example.com", "EMAIL_ADDRESS", KEY)
    assert first == pseudonym("zhang.wei@example.com", "EMAIL_ADDRESS", KEY)
    assert first != pseudonym("zhang.wei@example.com", "EMAIL_ADDRESS", b"x" * 32)
    assert first.startswith("EMAIL_ADDRESS_") and "zhang" not in first


def test_apply_covers_every_operator() -> None:
    ctx = OperatorContext(KEY, Tokenizer(InMemoryKeyStore(), KEY))
    value = "13812345678"
    results = {op: apply(op, value, "PHONE_NUMBER", ctx) for op in Operator}
    assert results[Operator.KEEP] == value
    assert results[Operator.DROP] is None
    assert results[Operator.REDACT] == "<PHONE_NUMBER>"
    assert results[Operator.PARTIAL] == "138****5678"
    assert results[Operator.GENERALIZE] == "<PHONE_NUMBER>"
    assert results[Operator.HASH].startswith("PHONE_NUMBER_")
    assert results[Operator.TOKEN].startswith("tok_PHONE_NUMBER.")
    assert ctx.tokenizer.detokenize(results[Operator.TOKEN]) == value
