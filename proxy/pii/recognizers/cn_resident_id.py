"""Chinese resident identity card: 18 characters, birth date, region, ISO 7064 MOD 11-2."""

from __future__ import annotations

import functools

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from proxy.pii.recognizers.base import ValidatedRecognizer


@functools.lru_cache(maxsize=8192)
def _region_existed(region: str, year: str) -> bool:
    try:
        ric.get_birth_place(f"{region}{year}0101001X")
    except ValidationError:
        return False
    except KeyError:
        # python-stdnum's region table has entries without counties and raises on them; the
        # region code exists, which is all we can check.
        return True
    return True


def is_resident_id(number: str) -> bool:
    """Birth date, ISO 7064 MOD 11-2 check character, and a region code that existed in the
    birth year (stdnum's table; region lookups are cached, they dominate the cost)."""
    number = number.upper()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return False
    return (ric.calc_check_digit(number) == number[-1]
            and _region_existed(number[:6], number[6:10]))


class CnResidentIdRecognizer(ValidatedRecognizer):
    ENTITY = "CN_RESIDENT_ID"
    PATTERNS = (("cn_ric", r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                           r"\d{3}[\dXx]", 0.3),)
    TRIGGER = r"\d{17}[\dXx]"
    CONTEXT = ("身份证", "证件", "id card", "resident id", "identity")

    def is_valid(self, candidate: str) -> bool:
        return is_resident_id(candidate)
