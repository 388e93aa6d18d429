"""The request path's shortcuts give exactly what the plain definitions give: orjson's bytes
are chain.canonical's, the fast ``suspicious`` answers as a full regex scan does, and the
writer's times are strftime's."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proxy.audit import entry
from proxy.audit.chain import canonical, sha256_hex
from proxy.audit.encode import canonical_text
from proxy.audit.entry import suspicious
from proxy.audit.writer import format_time


def outcome(function: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", function(value)
    except Exception as error:  # the same refusal, by type
        return "error", type(error)


def same_as_canonical(value: Any) -> None:
    expected = outcome(lambda v: canonical(v).decode("utf-8"), value)
    assert outcome(canonical_text, value) == expected


def json_values(texts: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70) | texts
               | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -2**63, -2**63 - 1]))
    return st.recursive(scalars, lambda children: (
        st.lists(children, max_size=4) | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(texts, children, max_size=4)), max_leaves=25)


texts = st.text(max_size=12)
# with lone surrogates too (no UTF-8 form: both refuse them)
any_texts = st.lists(st.characters() | st.characters(categories=["Cs"]), max_size=6).map("".join)


@settings(max_examples=1000)
@given(json_values(texts))
def test_orjson_writes_the_canonical_bytes(value: Any) -> None:
    same_as_canonical(value)
    same_as_canonical({"fields": value, "caller": {"sub": "agent-7"}})


@given(json_values(any_texts))
def test_unencodable_strings_are_refused_alike(value: Any) -> None:
    same_as_canonical(value)


@given(st.dictionaries(st.integers() | texts, st.integers() | texts, max_size=4))
def test_non_string_keys_as_canonical_has_them(value: dict) -> None:
    same_as_canonical(value)


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


class Backwards(str):  # json sorts keys by their own order, orjson by their UTF-8 bytes
    def __lt__(self, other: object) -> bool:
        return str.__gt__(self, other)


@dataclasses.dataclass
class Point:
    x: int


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = {"k": [value, i]} if i % 2 else [value]
    return value


def circular() -> list:
    loop: list = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize("value", [
    1.5, 2.0, math.nan, math.inf, -math.inf, [1e-7], {"deep": {"x": 2.0}},
    Colour.RED, Level.HIGH, Name("x"), {Name("k"): 1}, {Backwards("a"): 1, Backwards("b"): 2},
    uuid.uuid4(), Point(1),
    datetime.datetime(2026, 11, 23), b"bytes", {1, 2}, pytest.param(10**5000, id="huge-int"),
    nested(60), nested(70), nested(300), circular(), "\ud800", {"k\udfff": 1},
])
def test_what_orjson_would_write_differently_takes_the_standard_path(value: Any) -> None:
    same_as_canonical(value)


def reference_suspicious(text: str) -> bool:
    """``suspicious`` as it was: the regexes over the whole text."""
    if ("@" in text and entry._EMAIL.search(text)) or (
            ('_hash":' in text or '"sha256":' in text) and entry._BAD_HASH.search(text)):
        return True
    if not entry._NUMBER_HINT.search(text):
        return False
    own: list[tuple[int, int]] | None = None
    for match in entry._NUMBER.finditer(text):
        if text[match.start() - 1] in ":,[" or sum(c.isdigit() for c in match.group()) < 10:
            continue
        if own is None:
            own = [found.span() for found in entry._OWN_ID.finditer(text)]
        if not any(start <= match.start() and match.end() <= end for start, end in own):
            return True
    return False


HEX = "0123456789abcdef"
hex_ids = st.text(st.sampled_from(HEX), min_size=30, max_size=66)
digits = st.text(st.sampled_from("0123456789"), min_size=8, max_size=16)
pieces = st.sampled_from([
    *"0123456789 ()+-Xx", *"abcfABF", *'":,[]{}\\', "@", ".", "z", "_", "٣", "１", "身",
    '_hash":', '"sha256":', '"subject_hash":', "a@b.de", "+49 151 23456789", "(030) 1234-5678",
    "身份证11010519491231002X", str(uuid.uuid4()), sha256_hex(b"x"), "1" * 64,
]) | hex_ids | digits
raw_texts = st.lists(pieces, max_size=30).map("".join)
field_values = st.recursive(
    st.integers(-10**12, 10**12) | raw_texts | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["subject_hash", "sha256", "x_hash", "note", "sub", "id"]) | raw_texts,
        children, max_size=4),
    max_leaves=12)


@settings(max_examples=2000)
@given(raw_texts | field_values.map(lambda value: canonical(value).decode("utf-8")))
def test_fast_suspicious_answers_as_the_full_scan(text: str) -> None:
    assert suspicious(text) == reference_suspicious(text)


@pytest.mark.parametrize("text", [
    '{"id":"1234567890"}', '{"id":"a1234567890"}', '{"id":"a12 34567890123"}',
    '{"id":"1234567890X"}', '{"id":"1234567890Xa"}', '{"n":-12345678901}', "1234567890",
    '{"id":"11010519491231002x"}', '{"caller":{"sub":"+49 151 23456789"}}',
    '{"id":"١٢٣٤٥٦٧٨٩٠"}', '{"d":"' + sha256_hex(b"x") + '","subject_hash":"x"}',
    json.dumps({"decision_id": str(uuid.UUID(int=12345678901234)), "subject_hash": "1" * 64}),
])
def test_fast_suspicious_edge_cases(text: str) -> None:
    assert suspicious(text) == reference_suspicious(text)




@given(st.lists(st.integers(0, 2**62), max_size=20))
def test_format_time(values: list[int]) -> None:
    for ns in values:
        seconds, micros = divmod(ns // 1000, 1_000_000)
        expected = f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{micros:06d}Z"
        assert format_time(ns) == expected
