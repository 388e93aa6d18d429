"""Synthetic people: one identity (name, contact details, national id, bank) per data subject.

``PeopleFactory`` keeps one seeded Faker per locale (Faker instances are costly to create)
and guarantees that emails and phone numbers are unique across the whole dataset, so a
subject can be found by either.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers
from faker import Faker
from stdnum import iban

from proxy.demo import identifiers as ids

_POOL_SIZE = 500
REFERENCE_DATE = date(2025, 1, 1)  # fixed "today" so ages and dates never depend on the clock

REGION_LOCALES: dict[str, tuple[tuple[str, int], ...]] = {
    "eu": (("de_DE", 30), ("fr_FR", 25), ("en_GB", 15), ("es_ES", 10), ("it_IT", 10),
           ("nl_NL", 5), ("pl_PL", 5)),
    "cn": (("zh_CN", 1),),
    "us": (("en_US", 1),),
}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com",
                 "post.example.net")

# Curated so that every generated Chinese name has a matching pinyin email local part.
_CN_SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
    "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma",
    "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "林": "lin", "高": "gao", "罗": "luo",
    "郑": "zheng", "梁": "liang", "谢": "xie", "宋": "song", "唐": "tang", "许": "xu",
    "韩": "han", "冯": "feng", "邓": "deng", "曹": "cao", "彭": "peng", "曾": "zeng",
}
_CN_GIVEN_MALE = {
    "伟": "wei", "强": "qiang", "磊": "lei", "军": "jun", "洋": "yang", "勇": "yong",
    "杰": "jie", "涛": "tao", "明": "ming", "超": "chao", "浩": "hao", "鹏": "peng",
    "建": "jian", "国": "guo", "志": "zhi", "文": "wen", "斌": "bin", "宇": "yu", "峰": "feng",
    "俊": "jun", "辉": "hui", "刚": "gang", "平": "ping", "东": "dong",
}
_CN_GIVEN_FEMALE = {
    "芳": "fang", "娜": "na", "敏": "min", "静": "jing", "丽": "li", "艳": "yan", "娟": "juan",
    "霞": "xia", "秀": "xiu", "英": "ying", "玲": "ling", "婷": "ting", "雪": "xue", "琳": "lin",
    "倩": "qian", "颖": "ying", "慧": "hui", "梅": "mei", "兰": "lan", "红": "hong", "燕": "yan",
    "萍": "ping", "佳": "jia", "欣": "xin",
}

_ASCII_EXTRA = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae",
                              "đ": "d", "'": "", " ": "", "-": ""})


@dataclass(frozen=True, slots=True)
class Person:
    """One data subject's identity; records in any system and region are rendered from it."""

    subject_key: str
    home_region: str
    locale: str
    first_name: str
    last_name: str
    female: bool
    email: str
    phone: phonenumbers.PhoneNumber
    birth_date: date
    address: dict[str, str]
    national_id: ids.NationalId
    bank: dict[str, str]

    @property
    def country(self) -> str:
        return self.address["country"]

    @property
    def language(self) -> str:
        return "zh" if self.locale == "zh_CN" else "en"

    @property
    def name(self) -> str:
        if self.locale == "zh_CN":
            return self.last_name + self.first_name
        return f"{self.first_name} {self.last_name}"

    @property
    def phone_e164(self) -> str:
        return phonenumbers.format_number(self.phone, phonenumbers.PhoneNumberFormat.E164)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII form of a Latin name for email local parts (Müller -> mueller)."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").translate(_ASCII_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower()


class PeopleFactory:
    """Draws people for a region from one ``random.Random`` and per-locale seeded Fakers."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._fakers: dict[str, Faker] = {}
        self._pools: dict[tuple[str, str], list[str]] = {}
        self._seed = seed
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._count = 0

    def faker(self, locale: str) -> Faker:
        fake = self._fakers.get(locale)
        if fake is None:
            fake = self._fakers[locale] = Faker(locale)
            fake.seed_instance(f"{self._seed}:{locale}")
            for provider in fake.providers:
                # it_IT builds its city list from a set: its order changes with PYTHONHASHSEED
                if isinstance(getattr(provider, "cities", None), list):
                    provider.cities = sorted(provider.cities)  # type: ignore[attr-defined]
        return fake

    def draw(self, locale: str, provider: str) -> str:
        """A value from a pool filled once per locale by a Faker provider: Faker's weighted
        pickers cost tens of microseconds a call, which dominates large datasets."""
        pool = self._pools.get((locale, provider))
        if pool is None:
            make = getattr(self.faker(locale), provider)
            pool = self._pools[(locale, provider)] = [make() for _ in range(_POOL_SIZE)]
        return self.rng.choice(pool)

    def person(self, region: str) -> Person:
        locales, weights = zip(*REGION_LOCALES[region], strict=True)
        locale = self.rng.choices(locales, weights)[0]
        female = self.rng.random() < 0.5
        birth = REFERENCE_DATE - timedelta(days=self.rng.randrange(18 * 365, 80 * 365))
        first, last, handle = self._name(locale, female)
        self._count += 1
        return Person(
            subject_key=f"subj-{region}-{self._count:06d}",
            home_region=region, locale=locale, first_name=first, last_name=last,
            female=female, email=self._email(handle), phone=self._phone(locale),
            birth_date=birth, address=self._address(locale, birth),
            national_id=self._national_id(locale, first, last, birth, female),
            bank=self._bank(locale),
        )

    def bystander(self, region: str) -> tuple[str, phonenumbers.PhoneNumber]:
        """Name and phone of someone who is not a data subject (an agent, a relative)."""
        locales, weights = zip(*REGION_LOCALES[region], strict=True)
        locale = self.rng.choices(locales, weights)[0]
        first, last, _ = self._name(locale, self.rng.random() < 0.5)
        name = last + first if locale == "zh_CN" else f"{first} {last}"
        return name, self._phone(locale)

    def _name(self, locale: str, female: bool) -> tuple[str, str, tuple[str, str]]:
        rng = self.rng
        if locale == "zh_CN":
            surname = rng.choice(tuple(_CN_SURNAMES))
            pool = _CN_GIVEN_FEMALE if female else _CN_GIVEN_MALE
            given = "".join(rng.sample(tuple(pool), rng.choice((1, 2, 2))))
            return given, surname, ("".join(pool[c] for c in given), _CN_SURNAMES[surname])
        first = self.draw(locale, "first_name_female" if female else "first_name_male")
        last = self.draw(locale, "last_name")
        return first, last, (ascii_fold(first), ascii_fold(last))

    def _email(self, handle: tuple[str, str]) -> str:
        first, last = handle
        rng = self.rng
        local = rng.choice((f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}",
                            f"{last}.{first}", f"{first}{last}{rng.randrange(1, 99)}"))
        email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
        while email in self._emails:
            email = f"{local}{rng.randrange(100, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
        self._emails.add(email)
        return email

    def _phone(self, locale: str) -> phonenumbers.PhoneNumber:
        country = locale[-2:]
        while True:
            number = ids.mobile_number(self.rng, country)
            key = f"{number.country_code}:{number.national_number}"
            if key not in self._phones:
                self._phones.add(key)
                return number

    def _address(self, locale: str, birth: date) -> dict[str, str]:
        if locale == "zh_CN":
            district = ids.cn_district(self.rng, birth.year)
            rng = self.rng
            street = (f"{district.district}{self.draw(locale, 'street_name')}"
                      f"{rng.randrange(1, 400)}号{rng.randrange(1, 20)}栋"
                      f"{rng.randrange(1, 30)}{rng.randrange(1, 5):02d}室")
            return {"street": street, "city": district.city, "postcode": district.postcode,
                    "country": "CN"}
        return {"street": self.draw(locale, "street_address").replace("\n", ", "),
                "city": self.draw(locale, "city"), "postcode": self.draw(locale, "postcode"),
                "country": locale[-2:]}

    def _national_id(self, locale: str, first: str, last: str, birth: date,
                     female: bool) -> ids.NationalId:
        rng = self.rng
        makers: dict[str, Callable[[], ids.NationalId]] = {
            "zh_CN": lambda: ids.NationalId("CN_RESIDENT_ID", ids.cn_resident_id(
                rng, ids.cn_district(rng, birth.year), birth, female)),
            "de_DE": lambda: ids.NationalId("DE_TAX_ID", ids.de_tax_id(rng)),
            "fr_FR": lambda: ids.NationalId("FR_NIR", ids.fr_nir(rng, birth, female)),
            "en_GB": lambda: ids.NationalId("UK_NHS", ids.uk_nhs(rng)),
            "es_ES": lambda: ids.NationalId("ES_NIF", ids.es_nif(rng)),
            "it_IT": lambda: ids.NationalId("IT_FISCAL_CODE",
                                            ids.it_fiscal_code(rng, first, last, birth, female)),
            "nl_NL": lambda: ids.NationalId("NL_BSN", ids.nl_bsn(rng)),
            "pl_PL": lambda: ids.NationalId("PL_PESEL", ids.pl_pesel(rng, birth, female)),
            "en_US": lambda: ids.NationalId("US_SSN", ids.us_ssn(rng)),
        }
        return makers[locale]()

    def _bank(self, locale: str) -> dict[str, str]:
        if locale == "zh_CN":
            return {"card": ids.unionpay_card(self.rng)}
        if locale == "en_US":
            return {"card": ids.us_card(self.rng)}
        value = self.faker(locale).iban()
        return {"iban": iban.format(value) if self.rng.random() < 0.5 else value}
