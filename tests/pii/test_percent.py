"""Percent-encoded text is decoded for detection and each character maps back to its
escapes."""

from __future__ import annotations

from proxy.pii.percent import decode


def test_plain_text_is_not_decoded() -> None:
    assert decode("zhangwei@example.com") is None
    assert decode("100% sure") is None


def test_each_character_maps_to_its_own_escapes() -> None:
    text = "n=%E5%BC%A0%E4%BC%9F&m=%2B86"
    decoded = decode(text)
    assert decoded is not None
    assert decoded.text == "n=张伟&m=+86"
    assert decoded.span(2, 3) == (2, 11)  # 张 is three escaped bytes
    assert decoded.span(2, 4) == (2, 20)
    assert text[slice(*decoded.span(7, 10))] == "%2B86"


def test_broken_sequences_decode_to_replacement_characters_that_cover_them() -> None:
    decoded = decode("a%E5%BCb")
    assert decoded is not None
    assert decoded.text == "a\ufffdb"
    assert decoded.span(1, 2) == (1, 7)
