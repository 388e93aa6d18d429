"""Chinese ordinary passport (E + 8 digits, or E + letter + 7 digits; older G + 8 digits).
No check digit exists, so a context word (护照, passport) must precede it."""

from __future__ import annotations

from proxy.pii.recognizers.base import ValidatedRecognizer


class CnPassportRecognizer(ValidatedRecognizer):
    ENTITY = "CN_PASSPORT"
    PATTERNS = (("cn_passport", r"[EG]\d{8}|E[A-HJ-NP-Z]\d{7}", 0.6),)
    TRIGGER = r"[EG][0-9A-Z]\d{7}"
    CONTEXT = ("护照", "passport", "reisepass", "passeport", "证件")
    REQUIRE_CONTEXT = True
