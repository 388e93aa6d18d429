"""Phone-number matching keys, so "+86 138-1234-5678", "13812345678" and "8613812345678"
find the same record."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=65536)
def phone_keys(value: str, country: str | None = None) -> frozenset[str]:
    """The full international digits and the national significant number of ``value``
    (parsed with ``country`` as the default region); bare digits when it does not parse."""
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return frozenset()
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return frozenset({digits, digits.lstrip("0")} - {""})
    national = phonenumbers.national_significant_number(number)
    return frozenset({f"{number.country_code}{national}", national})
