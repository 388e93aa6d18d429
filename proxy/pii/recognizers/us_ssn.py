"""US social security number (dashed form, or bare digits after a context word)."""

from __future__ import annotations

import re

from proxy.pii.recognizers.base import ValidatedRecognizer

_INVALID = re.compile(r"(?:000|666|9\d\d)\d{6}|\d{3}00\d{4}|\d{5}0000")


class UsSocialSecurityRecognizer(ValidatedRecognizer):
    ENTITY = "US_SSN"
    PATTERNS = (("ssn", r"\d{3}-\d{2}-\d{4}", 0.6),)
    TRIGGER = r"\d{3}-\d{2}-\d{4}"
    CONTEXT = ("ssn", "social security", "social-security")

    def is_valid(self, candidate: str) -> bool:
        digits = candidate.replace("-", "")
        return _INVALID.fullmatch(digits) is None and len(set(digits)) > 1
