"""Synthetic personal identifiers with valid check digits (national ids, cards, phones).

Every generator takes the caller's ``random.Random`` so a dataset is reproducible for a seed.
Check digits come from python-stdnum where it offers a calculator; tests validate every value
with the matching stdnum module.
"""

from __future__ import annotations

import random
from datetime import date
from typing import NamedTuple

import phonenumbers
from stdnum import luhn
from stdnum.es import dni
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.iso7064 import mod_11_10
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn


class NationalId(NamedTuple):
    type: str
    value: str


class CnDistrict(NamedTuple):
    """A county-level area; ``since`` is the first birth year stdnum's cn.ric place table
    accepts its code for (0 = always)."""

    code: str
    province: str
    city: str
    district: str
    postcode: str
    since: int = 0


CN_DISTRICTS: tuple[CnDistrict, ...] = (
    CnDistrict("110101", "北京市", "北京市", "东城区", "100010"),
    CnDistrict("110102", "北京市", "北京市", "西城区", "100032"),
    CnDistrict("110105", "北京市", "北京市", "朝阳区", "100020"),
    CnDistrict("110108", "北京市", "北京市", "海淀区", "100080"),
    CnDistrict("310101", "上海市", "上海市", "黄浦区", "200001"),
    CnDistrict("310104", "上海市", "上海市", "徐汇区", "200030"),
    CnDistrict("310110", "上海市", "上海市", "杨浦区", "200082"),
    CnDistrict("120104", "天津市", "天津市", "南开区", "300100"),
    CnDistrict("440106", "广东省", "广州市", "天河区", "510630", 1985),
    CnDistrict("440305", "广东省", "深圳市", "南山区", "518052", 1990),
    CnDistrict("330106", "浙江省", "杭州市", "西湖区", "310012", 1983),
    CnDistrict("510107", "四川省", "成都市", "武侯区", "610041", 1990),
    CnDistrict("420106", "湖北省", "武汉市", "武昌区", "430061", 1983),
    CnDistrict("320102", "江苏省", "南京市", "玄武区", "210018", 1983),
    CnDistrict("610113", "陕西省", "西安市", "雁塔区", "710061", 1983),
    CnDistrict("370202", "山东省", "青岛市", "市南区", "266001", 1983),
)


def cn_district(rng: random.Random, birth_year: int) -> CnDistrict:
    """A district whose code was in use in the birth year (ids carry the birth-place code)."""
    return rng.choice([d for d in CN_DISTRICTS if d.since <= birth_year])


# ISO 7064 MOD 11-2 weights for the 17 body digits of a resident identity card number.
_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def cn_resident_id(rng: random.Random, district: CnDistrict, birth: date, female: bool) -> str:
    """18-character PRC resident id: area code, birth date, sequence (odd = male), check."""
    sequence = rng.randrange(0, 1000, 2) + (0 if female else 1)
    body = f"{district.code}{birth:%Y%m%d}{sequence:03d}"
    check = (12 - sum(int(d) * w for d, w in zip(body, _RIC_WEIGHTS, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def de_tax_id(rng: random.Random) -> str:
    """German Steuer-IdNr: 10 digits with exactly one digit doubled, then the ISO 7064
    MOD 11,10 check digit."""
    digits = rng.sample("0123456789", 9)
    if digits[0] == "0":
        digits[0], digits[1] = digits[1], digits[0]
    digits.insert(rng.randrange(1, 10), rng.choice(digits))
    body = "".join(digits)
    return body + mod_11_10.calc_check_digit(body)


def fr_nir(rng: random.Random, birth: date, female: bool) -> str:
    """French social security number (NIR) with its mod-97 key."""
    body = (f"{2 if female else 1}{birth:%y%m}{rng.randrange(1, 96):02d}"
            f"{rng.randrange(1, 990):03d}{rng.randrange(1, 1000):03d}")
    return body + nir.calc_check_digits(body)


def es_nif(rng: random.Random) -> str:
    """Spanish DNI-form NIF: 8 digits and the check letter."""
    body = f"{rng.randrange(10**7, 10**8)}"
    return body + dni.calc_check_digit(body)


_CF_MONTHS = "ABCDEHLMPRST"
_CF_TOWNS = ("H501", "F205", "L219", "F839", "G273", "A944", "D612", "L736")  # Belfiore codes


def _cf_letters(name: str, *, given: bool) -> str:
    letters = [c for c in name.upper() if "A" <= c <= "Z"]
    consonants = [c for c in letters if c not in "AEIOU"]
    if given and len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    vowels = [c for c in letters if c in "AEIOU"]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


def it_fiscal_code(rng: random.Random, first: str, last: str, birth: date, female: bool) -> str:
    """Italian codice fiscale derived from the person's name, birth date and sex."""
    day = birth.day + (40 if female else 0)
    body = (f"{_cf_letters(last, given=False)}{_cf_letters(first, given=True)}"
            f"{birth:%y}{_CF_MONTHS[birth.month - 1]}{day:02d}{rng.choice(_CF_TOWNS)}")
    return body + codicefiscale.calc_check_digit(body)


def nl_bsn(rng: random.Random) -> str:
    """Dutch BSN passing the eleven-test."""
    while True:
        body = f"{rng.randrange(10**7, 10**8):08d}"
        check = bsn.checksum(body + "0")  # the check digit carries weight -1
        if check < 10:
            return body + str(check)


def pl_pesel(rng: random.Random, birth: date, female: bool) -> str:
    """Polish PESEL encoding the birth date (month offset for the century) and sex."""
    month = birth.month + (20 if birth.year >= 2000 else 0)
    serial = rng.randrange(0, 1000) * 10 + rng.randrange(0 if female else 1, 10, 2)
    body = f"{birth:%y}{month:02d}{birth.day:02d}{serial:04d}"
    return body + pesel.calc_check_digit(body)


def uk_nhs(rng: random.Random) -> str:
    """NHS number (mod 11), formatted 3-3-4 as printed on letters."""
    while True:
        body = f"{rng.randrange(4 * 10**8, 7 * 10**8)}"
        check = -sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
        if check < 10:
            return nhs.format(body + str(check))


def us_ssn(rng: random.Random) -> str:
    while True:
        area, group, serial = rng.randrange(1, 900), rng.randrange(1, 100), rng.randrange(1, 10**4)
        value = f"{area:03d}-{group:02d}-{serial:04d}"
        if ssn.is_valid(value):
            return value


def luhn_number(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choices("0123456789", k=length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def unionpay_card(rng: random.Random) -> str:
    """China UnionPay debit card: starts with 62, 16-19 digits, Luhn-valid."""
    issuer = rng.choice(("622202", "621700", "622848", "621483"))
    return luhn_number(rng, issuer, rng.choice((16, 19)))


def us_card(rng: random.Random) -> str:
    """Visa or Mastercard number, Luhn-valid."""
    prefix = rng.choice(("4", "4", "51", "52", "53", "54", "55"))
    return luhn_number(rng, prefix, 16)


# Mobile number shapes per country: (country calling code, national significant number
# prefixes, digits that follow the prefix). Every drawn number is checked with phonenumbers.
MOBILE_PLANS: dict[str, tuple[tuple[str, ...], int]] = {
    "CN": (("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158",
            "159", "177", "180", "182", "186", "187", "188", "189", "199"), 8),
    "DE": (("151", "152", "157", "160", "162", "163", "170", "171", "172", "173", "174", "175",
            "176", "177", "178", "179"), 8),
    "FR": (("6", "7"), 8),
    "GB": (("74", "75", "77", "78", "79"), 8),
    "ES": (("6", "7"), 8),
    "IT": (("320", "328", "333", "340", "347", "349", "366", "380", "392"), 7),
    "NL": (("6",), 8),
    "PL": (("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"), 7),
    "US": (("212", "312", "415", "617", "206", "303", "512", "404", "305", "702", "646", "213"),
           7),
}


def mobile_number(rng: random.Random, country: str) -> phonenumbers.PhoneNumber:
    """A valid mobile (or, for the US, geographic) number for the ISO-2 country."""
    prefixes, length = MOBILE_PLANS[country]
    code = phonenumbers.country_code_for_region(country)
    while True:
        tail = "".join(rng.choices("0123456789", k=length))
        if country == "US":
            tail = str(rng.randrange(2, 10)) + tail[1:]
        number = phonenumbers.PhoneNumber(country_code=code,
                                          national_number=int(rng.choice(prefixes) + tail))
        if phonenumbers.is_valid_number_for_region(number, country):  # not GG or JE
            return number
