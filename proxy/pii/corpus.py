"""A labeled evaluation corpus generated with Faker (en_US, de_DE, fr_FR, zh_CN).

Tickets, chats and call transcripts are filled from templates with Faker values; each sample
records the character spans of the personal data it contains. Values are checked with the same
standards a real one meets (phonenumbers validity, stdnum checksums), never with our detector.
Order numbers and timestamps are inserted unlabeled, as negatives.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import phonenumbers
from faker import Faker
from stdnum import luhn
from stdnum.de import idnr

from proxy.pii.recognizers.cn_resident_id import is_resident_id

LOCALES = ("en_US", "de_DE", "fr_FR", "zh_CN")
KINDS = ("ticket", "chat", "transcript")
_REGION = {"en_US": "US", "de_DE": "DE", "fr_FR": "FR", "zh_CN": "CN"}
_ID_TYPE = {"en_US": "US_SSN", "de_DE": "DE_TAX_ID", "fr_FR": "FR_NIR", "zh_CN": "CN_RESIDENT_ID"}
_SLOT = re.compile(r"\{([A-Z_]+)\}")

_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en_US": {
        "ticket": (
            "Customer {PERSON} ({EMAIL_ADDRESS}) reports that order {ORDER} was never delivered "
            "to {LOCATION}. Please call back on {PHONE_NUMBER}.",
            "Refund request from {PERSON}, date of birth {DATE_OF_BIRTH}. Card on file "
            "{CREDIT_CARD}. Logged at {TIMESTAMP} from IP {IP_ADDRESS}.",
            "Identity check for {PERSON}: SSN {NATIONAL_ID}, phone {PHONE_NUMBER}, "
            "ticket {ORDER}.",
            "{PERSON} wrote that the replacement never arrived; escalated to {PERSON} in "
            "billing. Contact: {EMAIL_ADDRESS}.",
        ),
        "chat": (
            "Agent: Hi, this is {PERSON}, how can I help?\nCustomer: Hi, I'm {PERSON}. My "
            "email is {EMAIL_ADDRESS} and my invoice {ORDER} is wrong.",
            "Customer: please send the documents to {LOCATION}\nAgent: Sure {PERSON}, I also "
            "need your IBAN, is it {IBAN_CODE}?",
            "Customer: my husband {PERSON} opened the account, can {PERSON} call me back at "
            "{PHONE_NUMBER}?",
        ),
        "transcript": (
            "[{TIMESTAMP}] Agent {PERSON}: Thank you for calling. Can I have your name?\n"
            "Caller: Yes, it's {PERSON}. I was born on {DATE_OF_BIRTH}.\nAgent: And the best "
            "number to reach you?\nCaller: {PHONE_NUMBER}. My card ends with a different "
            "number than {CREDIT_CARD}, and the order was {ORDER}.",
        ),
    },
    "de_DE": {
        "ticket": (
            "Kunde {PERSON} ({EMAIL_ADDRESS}) meldet, dass Bestellung {ORDER} nicht an "
            "{LOCATION} geliefert wurde. Rückruf unter {PHONE_NUMBER}.",
            "Erstattung für {PERSON}, geboren am {DATE_OF_BIRTH}, IBAN {IBAN_CODE}, "
            "Steuer-ID {NATIONAL_ID}.",
        ),
        "chat": (
            "Agent: Guten Tag, hier ist {PERSON}.\nKunde: Hallo, mein Name ist {PERSON}, "
            "meine Karte {CREDIT_CARD} wurde doppelt belastet (Vorgang {ORDER}).",
        ),
        "transcript": (
            "[{TIMESTAMP}] Mitarbeiter {PERSON}: Wie ist Ihre Telefonnummer?\nAnrufer "
            "{PERSON}: {PHONE_NUMBER}, und meine E-Mail ist {EMAIL_ADDRESS}. Ich wohne in "
            "{LOCATION}.",
        ),
    },
    "fr_FR": {
        "ticket": (
            "Le client {PERSON} ({EMAIL_ADDRESS}) signale que la commande {ORDER} n'est pas "
            "arrivée au {LOCATION}. Rappeler au {PHONE_NUMBER}.",
            "Remboursement pour {PERSON}, né le {DATE_OF_BIRTH}, IBAN {IBAN_CODE}, numéro de "
            "sécurité sociale {NATIONAL_ID}.",
        ),
        "chat": (
            "Agent : Bonjour, ici {PERSON}.\nClient : Bonjour, je suis {PERSON}, ma carte "
            "{CREDIT_CARD} a été débitée deux fois (dossier {ORDER}).",
        ),
        "transcript": (
            "[{TIMESTAMP}] Conseiller {PERSON} : Quel est votre numéro ?\nAppelant "
            "{PERSON} : {PHONE_NUMBER}, et mon e-mail est {EMAIL_ADDRESS}. J'habite "
            "{LOCATION}.",
        ),
    },
    "zh_CN": {
        "ticket": (
            "客户{PERSON}来电反映订单{ORDER}未送达{LOCATION}，回拨电话{PHONE_NUMBER}。",
            "客户{PERSON}申请退款，身份证号{NATIONAL_ID}，银行卡号{CREDIT_CARD}，"
            "出生日期{DATE_OF_BIRTH}。",
            "用户{PERSON}的邮箱{EMAIL_ADDRESS}无法登录，登录IP为{IP_ADDRESS}，时间{TIMESTAMP}。",
            "{PERSON}反馈包裹一直没有收到，已转{PERSON}跟进，联系电话{PHONE_NUMBER}。",
        ),
        "chat": (
            "坐席：您好，我是{PERSON}，请问有什么可以帮您？\n客户：你好，我是{PERSON}，"
            "手机{PHONE_NUMBER}，订单号{ORDER}一直没发货。",
            "客户：麻烦寄到{LOCATION}\n坐席：好的{PERSON}女士，请确认邮箱{EMAIL_ADDRESS}。",
            "客户：上次是{PERSON}帮我办的，他说三天内退款\n坐席：我查一下，请提供手机号。",
        ),
        "transcript": (
            "[{TIMESTAMP}] 客服{PERSON}：请问怎么称呼？\n来电人：我叫{PERSON}，身份证"
            "{NATIONAL_ID}，手机号{PHONE_NUMBER}。\n客服：好的，您的卡号{CREDIT_CARD}已冻结，"
            "工单{ORDER}。",
        ),
    },
}


@dataclass(frozen=True)
class Sample:
    id: str
    locale: str
    kind: str
    text: str
    spans: tuple[tuple[str, int, int], ...]  # (entity type, start, end)


class _Values:
    """Faker values per slot, each checked against the standard it must meet."""

    def __init__(self, locale: str, rng: random.Random) -> None:
        self.faker = Faker(locale)
        self.faker.seed_instance(rng.randrange(1 << 30))
        self.locale = locale
        self.rng = rng

    def _until(self, make: Callable[[], str], ok: Callable[[str], bool]) -> str:
        while True:
            value = make()
            if ok(value):
                return value

    def person(self) -> str:
        return f"{self.faker.last_name()}{self.faker.first_name()}" if self.locale == "zh_CN" \
            else f"{self.faker.first_name()} {self.faker.last_name()}"

    def phone(self) -> str:
        region = _REGION[self.locale]

        def valid(text: str) -> bool:
            try:
                return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
            except phonenumbers.NumberParseException:
                return False

        return self._until(lambda: self.faker.phone_number().split("x")[0].strip(), valid)

    def card(self) -> str:
        if self.locale == "zh_CN":
            body = "62" + "".join(self.rng.choice("0123456789") for _ in range(15))
            return body + luhn.calc_check_digit(body)
        kind = self.rng.choice(("visa16", "mastercard", "amex", "discover", "jcb16"))
        number = self.faker.credit_card_number(kind)
        if self.rng.random() < 0.5 and len(number) == 16:
            number = " ".join(number[i:i + 4] for i in range(0, 16, 4))
        return number

    def national_id(self) -> str:
        if self.locale == "zh_CN":
            return self._until(self.faker.ssn, is_resident_id)
        if self.locale == "de_DE":
            return self._de_idnr()
        return self.faker.ssn()

    def _de_idnr(self) -> str:
        def make() -> str:
            digits = [str(d) for d in self.rng.sample(range(10), 9)]
            digits.insert(self.rng.randrange(1, 10), self.rng.choice(digits))
            body = "".join(digits) if digits[0] != "0" else "1" + "".join(digits[1:])
            return body + idnr.mod_11_10.calc_check_digit(body)

        return self._until(make, idnr.is_valid)

    def birth_date(self) -> str:
        born: date = self.faker.date_of_birth(minimum_age=18, maximum_age=90)
        formats = {"en_US": ("%B %d, %Y", "%m/%d/%Y"), "de_DE": ("%d.%m.%Y",),
                   "fr_FR": ("%d/%m/%Y",), "zh_CN": ("%Y年%m月%d日", "%Y-%m-%d")}[self.locale]
        return born.strftime(self.rng.choice(formats))

    def address(self) -> str:
        return self.faker.address().replace("\n", ", " if self.locale != "zh_CN" else "")

    def value(self, slot: str) -> str:
        makers: dict[str, Callable[[], str]] = {
            "PERSON": self.person, "EMAIL_ADDRESS": self.faker.email, "PHONE_NUMBER": self.phone,
            "CREDIT_CARD": self.card, "IBAN_CODE": self.faker.iban,
            "IP_ADDRESS": lambda: self.faker.ipv4() if self.rng.random() < 0.7
            else self.faker.ipv6(), "NATIONAL_ID": self.national_id,
            "DATE_OF_BIRTH": self.birth_date, "LOCATION": self.address,
            "ORDER": lambda: self.rng.choice(("", "#", "A-")) + str(self.rng.randrange(10**5,
                                                                                     10**12)),
            "TIMESTAMP": lambda: self.faker.date_time_this_decade().isoformat(" "),
        }
        return makers[slot]()


def _fill(template: str, values: _Values) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    cursor = length = 0
    for match in _SLOT.finditer(template):
        literal = template[cursor:match.start()]
        parts.append(literal)
        length += len(literal)
        slot = match.group(1)
        value = values.value(slot)
        if slot not in ("ORDER", "TIMESTAMP"):
            entity = _ID_TYPE[values.locale] if slot == "NATIONAL_ID" else slot
            spans.append((entity, length, length + len(value)))
        parts.append(value)
        length += len(value)
        cursor = match.end()
    parts.append(template[cursor:])
    return "".join(parts), tuple(spans)


def generate_corpus(samples: int = 2000, seed: int = 7) -> list[Sample]:
    """``samples`` texts, spread evenly over locales and kinds; deterministic for a seed."""
    rng = random.Random(seed)
    generators = {locale: _Values(locale, rng) for locale in LOCALES}
    corpus = []
    for i in range(samples):
        locale = LOCALES[i % len(LOCALES)]
        kind = KINDS[(i // len(LOCALES)) % len(KINDS)]
        template = rng.choice(_TEMPLATES[locale][kind])
        text, spans = _fill(template, generators[locale])
        corpus.append(Sample(f"{locale}-{kind}-{i}", locale, kind, text, spans))
    return corpus


def random_digit_strings(count: int = 2000, seed: int = 11) -> list[str]:
    """Uniform random digit strings of 6-20 digits: none of them is personal data."""
    rng = random.Random(seed)
    return ["".join(rng.choice("0123456789") for _ in range(rng.randint(6, 20)))
            for _ in range(count)]
