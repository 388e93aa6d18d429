"""Dates of birth: a real past date (ISO, day-first, month-first, 1985年3月12日, March 12, 1985,
12. März 1985, 12 mars 1985) right after a birth cue. Other dates are not personal data here."""

from __future__ import annotations

import re
from datetime import date

from presidio_analyzer import RecognizerResult

from proxy.pii.recognizers.base import ValidatedRecognizer

_MONTHS_BY_LANGUAGE = (
    "january february march april may june july august september october november december",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
)
_MONTHS = {name: i + 1 for names in _MONTHS_BY_LANGUAGE for i, name in enumerate(names.split())}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_Y = r"(?:19|20)\d{2}"
_TIME_AFTER = re.compile(r"[ T]?\d{1,2}:\d{2}")  # a timestamp, not a birth date


def _parts(candidate: str) -> tuple[int, int, int] | None:
    text = candidate.lower()
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    name = re.search(_MONTH_NAMES, text)
    if name:
        day = next((n for n in numbers if n <= 31), 0)
        year = next((n for n in numbers if n > 31), 0)
        return year, _MONTHS[name.group(0)], day
    if len(numbers) != 3:
        return None
    if numbers[0] > 31:
        return numbers[0], numbers[1], numbers[2]
    first, second, year = numbers
    return (year, second, first) if second <= 12 else (year, first, second)


class DateOfBirthRecognizer(ValidatedRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = (
        ("iso", rf"{_Y}[-/.]\d{{1,2}}[-/.]\d{{1,2}}", 0.5),
        ("zh", rf"{_Y}\s?年\s?\d{{1,2}}\s?月\s?\d{{1,2}}\s?日?", 0.5),
        ("numeric", rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]{_Y}", 0.5),
        ("named", rf"(?i:(?:{_MONTH_NAMES})\.? \d{{1,2}}(?:st|nd|rd|th)?,? {_Y}"
                  rf"|\d{{1,2}}\.? (?:{_MONTH_NAMES})\.? {_Y})", 0.5),
    )
    TRIGGER = _Y  # in every pattern
    CONTEXT = ("born", "birth", "dob", "d.o.b", "birthday", "geboren", "geburt", "né ", "née",
               "naissance", "出生", "生日", "生于")
    REQUIRE_CONTEXT = True

    def is_valid(self, candidate: str) -> bool:
        parts = _parts(candidate)
        if parts is None:
            return False
        try:
            born = date(*parts)
        except ValueError:
            return False
        return date(1900, 1, 1) <= born <= date.today()

    def accepts(self, text: str, result: RecognizerResult) -> bool:
        return not _TIME_AFTER.match(text, result.end) and super().accepts(text, result)
