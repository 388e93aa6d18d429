"""Chinese resident identity card: 18 characters, birth date, region, ISO 7064 MOD 11-2."""

from __future__ import annotations

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from proxy.pii.recognizers.base import ValidatedRecognizer


def is_resident_id(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except KeyError:
        # python-stdnum's region table has entries without counties and raises on them; the
        # region prefix exists, so judge the birth date and check digit alone.
        try:
            ric.get_birth_date(number)
        except ValidationError:
            return False
        return ric.calc_check_digit(number) == number[-1].upper()


class CnResidentIdRecognizer(ValidatedRecognizer):
    ENTITY = "CN_RESIDENT_ID"
    PATTERNS = (("cn_ric", r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                           r"\d{3}[\dXx]", 0.3),)
    TRIGGER = r"\d{17}[\dXx]"
    CONTEXT = ("身份证", "证件", "id card", "resident id", "identity")

    def is_valid(self, candidate: str) -> bool:
        return is_resident_id(candidate)
