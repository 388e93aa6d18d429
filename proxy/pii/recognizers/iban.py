"""IBAN with its ISO 13616 country format and mod-97 check digits."""

from __future__ import annotations

from stdnum import iban

from proxy.pii.recognizers.base import ValidatedRecognizer


class IbanCodeRecognizer(ValidatedRecognizer):
    ENTITY = "IBAN_CODE"
    PATTERNS = (("iban", r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?", 0.3),)
    TRIGGER = r"[A-Z]{2}\d{2} ?[A-Z0-9]{4}"
    CONTEXT = ("iban", "account", "konto", "compte", "账户", "账号")

    def is_valid(self, candidate: str) -> bool:
        return iban.is_valid(candidate)
