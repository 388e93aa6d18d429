"""Payment cards, 13-19 digits with a known issuer prefix (Visa, Mastercard, Amex, UnionPay 62…,
Discover, JCB, Diners) and a valid Luhn check digit."""

from __future__ import annotations

import re

from stdnum import luhn

from proxy.pii.recognizers.base import ValidatedRecognizer

_ISSUERS = re.compile(r"4\d{12}(?:\d{3}){0,2}|(?:5[1-5]|2[2-7])\d{14}|3[47]\d{13}"
                      r"|62\d{14,17}|6(?:011|5\d\d)\d{12,15}|35\d{14,17}|3(?:0[0-5]|[68]\d)\d{11}")


class PaymentCardRecognizer(ValidatedRecognizer):
    ENTITY = "CREDIT_CARD"
    PATTERNS = (("card", r"\d{4}(?:[ -]?\d{3,4}){2,3}(?:[ -]?\d{1,3})?", 0.3),)
    TRIGGER = r"\d{4}[ -]?\d{3,4}[ -]?\d{3,4}"
    CONTEXT = ("卡号", "银行卡", "信用卡", "card", "karte", "carte", "visa", "mastercard")

    def is_valid(self, candidate: str) -> bool:
        digits = re.sub(r"[ -]", "", candidate)
        return bool(_ISSUERS.fullmatch(digits)) and luhn.is_valid(digits)
