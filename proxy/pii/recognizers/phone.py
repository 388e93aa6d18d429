"""Phone numbers for CN, EU and US, confirmed with ``phonenumbers``.

International (+86 / 0049 …) and formatted numbers count when valid in one of ``REGIONS``.
Bare digit runs look like order numbers and timestamps too, so only a mainland mobile number
(1[3-9] + 9 digits, the usual form inside Chinese text) counts without a context word, and
never right after an order/ticket cue.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import RecognizerResult

from proxy.pii.recognizers.base import ValidatedRecognizer, has_context

REGIONS = ("CN", "US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "SE", "FI", "BE", "AT", "IE")
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_DATE_LIKE = re.compile(r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_NOT_PHONE = re.compile(r"\d+\.\d+|(?:\d{1,3}\.){3}\d{1,3}")  # decimals, IPv4
_NEGATIVE_WINDOW = 14  # an order cue must sit in the same clause, right before the number
_CLAUSE_BREAK = re.compile(r"[。，；！？!?;\n]|[,.] ")


def is_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if (not 7 <= len(digits) <= 15 or _DATE_LIKE.search(candidate)
            or _NOT_PHONE.fullmatch(candidate)):
        return False
    if candidate.startswith(("+", "00")):
        regions: tuple[str | None, ...] = (None,)
        candidate = "+" + candidate.lstrip("+").removeprefix("00")
    else:
        regions = REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


class PhoneNumberRecognizer(ValidatedRecognizer):
    ENTITY = "PHONE_NUMBER"
    PATTERNS = (("phone", r"(?:(?:\+|00)\d{1,3}[ .-]?)?(?:\(0?\d{1,4}\)[ .-]?)?\d[\d .-]{3,16}\d",
                 0.4),)
    # Seven digits among the characters a match is made of: ``is_phone`` wants as many.
    TRIGGER = r"(?:\d[ .()+-]*){7}"
    CONTEXT = ("电话", "手机", "联系", "致电", "来电", "号码", "拨打", "tel", "phone", "mobile",
               "call", "cell", "fax", "contact", "reach", "telefon", "handy", "rufnummer",
               "rückruf", "anruf", "téléphone", "portable", "joindre", "appel", "rappel",
               "numéro", "whatsapp", "回拨", "回电")
    NEGATIVE_CONTEXT = ("订单", "单号", "编号", "流水", "快递", "工号", "工单", "order", "ticket",
                        "invoice", "tracking", "ref", "bestellung", "vorgang", "commande",
                        "dossier")

    def is_valid(self, candidate: str) -> bool:
        return is_phone(candidate)

    def accepts(self, text: str, result: RecognizerResult) -> bool:
        candidate = text[result.start:result.end]
        before = text[max(0, result.start - 2):result.start]
        # Time fractions (14:12:52.7145), order ids (A-3957…, #4481…), order cues right before.
        if before[-1:] in (":", ".", "#") or re.fullmatch(r"[A-Za-z]-", before):
            return False
        clause = _CLAUSE_BREAK.split(text[max(0, result.start - _NEGATIVE_WINDOW):result.start])
        if has_context(clause[-1], len(clause[-1]), self.NEGATIVE_CONTEXT):
            return False
        if candidate.startswith(("+", "00")) or not candidate.isdigit():
            return True
        return bool(_CN_MOBILE.fullmatch(candidate)) or has_context(
            text, result.start, self.CONTEXT)
