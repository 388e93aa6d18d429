"""The chain's canonical form is plain, reproducible JSON (what the pack README tells a third
party to recompute with jq and sha256sum)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proxy.audit.chain import HEADER_KEYS, canonical, entry_hash

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=20)


@given(st.fixed_dictionaries({"log": text, "seq": st.integers(1, 2**62), "ts": text,
                              "kind": text, "fields_sha256": text, "prev_hash": text}))
def test_entry_hash_is_sha256_of_sorted_compact_json(header: dict) -> None:
    expected = json.dumps({k: header[k] for k in HEADER_KEYS}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)
    assert entry_hash(header) == hashlib.sha256(expected.encode()).hexdigest()


def test_canonical_form() -> None:
    assert canonical({"b": [1, "ü"], "a": {"y": None, "x": True}}) == (
        '{"a":{"x":true,"y":null},"b":[1,"ü"]}'.encode())


@pytest.mark.parametrize("value", [{"latency": 1.5}, {"n": [1e-7]}, {"deep": {"x": 2.0}}])
def test_floats_are_refused(value: dict) -> None:
    with pytest.raises(TypeError):
        canonical(value)


def test_float_looking_strings_are_fine() -> None:
    assert canonical({"ts": "12:30:21.5", "v": "1.5", "w": ":1.5,"}) == (
        b'{"ts":"12:30:21.5","v":"1.5","w":":1.5,"}')
