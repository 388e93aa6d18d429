"""Masking operators applied to one detected value.

Presidio's anonymizer has redact/replace/mask/hash/encrypt, but not format-keeping partials per
entity type, keyed pseudonyms or per-subject AEAD tokens; these are ours and stay tiny.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from proxy.pii.profiles import Operator
from proxy.pii.tokens import Tokenizer

_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年]|$)|(?:\d{1,2}[-/.]){2}((?:19|20)\d{2})")
_CN_CITY = re.compile(r"^.*?(?:[省]|自治区)?[^省市区县]{1,8}?(?:市|自治州|地区|盟)")
_CN_PROVINCE = re.compile(r"^.*?(?:省|自治区|市)")
_POSTCODE_CITY = re.compile(r"\b\d{4,5}\s+([^\d,\n]+?)\s*$")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts
_ASCII_ALNUMS = string.ascii_letters + string.digits
_STARS = str.maketrans(_ASCII_ALNUMS, "*" * len(_ASCII_ALNUMS))
_WITHOUT_ALNUMS = str.maketrans("", "", _ASCII_ALNUMS)
_COUNTRY_CODES = frozenset(map(str, phonenumbers.COUNTRY_CODE_TO_REGION_CODE))
_US_CITY = re.compile(r"(?:^|,|\n)\s*([^,\d\n]+?),?\s+[A-Z]{2}\s+\d{5}")


def redact(value: str, entity_type: str) -> str:
    return f"<{entity_type}>"


def _mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    """Letters and digits hidden but the first ``keep_head`` and the last ``keep_tail``;
    separators kept. ASCII (nearly every value) is counted and masked by ``str.translate``."""
    if value.isascii():
        alnums = len(value) - len(value.translate(_WITHOUT_ALNUMS))
    else:
        alnums = sum(map(str.isalnum, value))
    hidden = range(alnums)[keep_head:alnums - keep_tail]  # fewer: the slice's own rule
    if not hidden:
        return value
    head = _after_alnums(value, hidden.start)
    tail = len(value) - _after_alnums(value[::-1], alnums - hidden.stop)
    middle = value[head:tail]
    stars = middle.translate(_STARS) if middle.isascii() else _ALNUM.sub("*", middle)
    return value[:head] + stars + value[tail:]


def _after_alnums(value: str, count: int) -> int:
    """Where the ``count``-th letter or digit of ``value`` ends (0 for none)."""
    for index, char in enumerate(value if count else ()):
        if char.isalnum():
            count -= 1
            if not count:
                return index + 1
    return 0


def _partial_email(value: str) -> str:
    local, at, domain = value.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"  # no address to keep the form of


def _partial_phone(value: str) -> str:
    """Keep the country code, the first 3 and the last 4 national digits: +86 138****5678."""
    prefix = ""
    if value.startswith(("+", "00")):
        country = _country_code(value.lstrip("+0"))
        head = (1 if value[0] == "+" else 2) + len(country)
        if country and value[head - len(country):head] == country:
            after = value[head:head + 1]
            prefix = value[:head + (after.isspace() or after == "-")]
    national = value[len(prefix):]
    digits = sum(map(str.isdigit, national))
    keep_head = 3 if digits >= 10 else max(min(2, digits - 6), 0)
    return prefix + _mask_digits(national, keep_head, 4)


def _country_code(digits: str) -> str:
    """The country calling code ``digits`` begin with, or "": codes are prefix-free, so the
    one assigned code among the first 1, 2 and 3 digits is it (as phonenumbers finds it)."""
    for length in (1, 2, 3):
        if digits[:length] in _COUNTRY_CODES:
            return digits[:length]
    return ""


def _partial_card(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return " ".join(["****"] * ((len(digits) - 4 + 3) // 4) + [digits[-4:]])


def _partial_person(value: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", value):
        return value[:1] + "*" * (len(value) - 1)
    return " ".join(part[:1] + "***" for part in value.split())


def _partial_default(value: str) -> str:
    if len(value) <= 6:
        return "*" * len(value)
    return _mask_digits(value, 0, 4)


_PARTIALS: dict[str, Callable[[str], str]] = {
    "EMAIL_ADDRESS": _partial_email,
    "PHONE_NUMBER": _partial_phone,
    "CREDIT_CARD": _partial_card,
    "CN_RESIDENT_ID": lambda v: _mask_digits(v, 6, 4),
    "IBAN_CODE": lambda v: _mask_digits(v, 4, 4),
    "PERSON": _partial_person,
}


def partial(value: str, entity_type: str) -> str:
    if entity_type in ("LOCATION", "DATE_OF_BIRTH"):
        return generalize(value, entity_type)
    return _PARTIALS.get(entity_type, _partial_default)(value)


def _city(address: str) -> str | None:
    if re.search(r"[\u4e00-\u9fff]", address):
        match = _CN_CITY.match(address) or _CN_PROVINCE.match(address)
        return match.group(0) if match else None
    lines = [line.strip() for line in re.split(r"\n|;", address) if line.strip()]
    for pattern in (_US_CITY, _POSTCODE_CITY):
        match = pattern.search(address) or pattern.search(lines[-1] if lines else "")
        if match:
            return match.group(1).strip()
    return None


def generalize(value: str, entity_type: str) -> str:
    """Date of birth -> year; address -> city; anything else is redacted."""
    if entity_type in ("DATE_OF_BIRTH", "DATE_TIME"):
        match = _DATE.search(value)
        if match:
            return match.group(1) or match.group(2)
    if entity_type == "LOCATION":
        city = _city(value)
        if city:
            return city
    return redact(value, entity_type)


@dataclass(frozen=True)
class OperatorContext:
    """What the keyed operators need: the pseudonym key, the tokenizer and the subject key id."""

    hmac_key: bytes
    tokenizer: Tokenizer
    key_id: str | None = None


def pseudonym(value: str, entity_type: str, hmac_key: bytes) -> str:
    normalized = value.strip().lower()
    digest = hmac.new(hmac_key, f"{entity_type}:{normalized}".encode(), hashlib.sha256)
    return f"{entity_type}_{digest.hexdigest()[:16]}"


def apply(operator: Operator, value: str, entity_type: str, ctx: OperatorContext) -> str | None:
    """The masked text for ``value``; ``None`` means drop the field."""
    if operator is Operator.KEEP:
        return value
    if operator is Operator.DROP:
        return None
    if operator is Operator.REDACT:
        return redact(value, entity_type)
    if operator is Operator.PARTIAL:
        return partial(value, entity_type)
    if operator is Operator.GENERALIZE:
        return generalize(value, entity_type)
    if operator is Operator.HASH:
        return pseudonym(value, entity_type, ctx.hmac_key)
    key_id = ctx.key_id or ctx.tokenizer.key_id_for(value)
    return ctx.tokenizer.tokenize(value, entity_type, key_id)
