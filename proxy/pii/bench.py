"""Masking throughput: our masker against the naive baseline (Presidio's default analyzer and
anonymizer on every string value), on (a) a 50-record contact page and (b) ~2 KB call
transcripts, measured in one run; plus how much of the raw data each one hides."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from faker import Faker
from stdnum import luhn

from proxy.pii.corpus import generate_corpus
from proxy.pii.recognizers.cn_resident_id import is_resident_id

_LOCALES = ("en_US", "de_DE", "fr_FR", "zh_CN")
_FIELDS = ("name", "email", "phone", "address", "birth_date", "national_id", "bank_card")


@dataclass(frozen=True)
class Timing:
    items: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def _resident_id(fake: Faker) -> str:
    while True:
        value = fake.ssn()
        if is_resident_id(value):
            return value


def contact(fake: Faker, locale: str, rng: random.Random, notes: bool) -> dict[str, Any]:
    body = "62" + "".join(rng.choice("0123456789") for _ in range(15))
    record: dict[str, Any] = {
        "id": rng.randrange(10**6), "name": fake.name(), "email": fake.email(),
        "phone": fake.phone_number() if locale != "zh_CN" else fake.phone_number(),
        "address": fake.address().replace("\n", ", "),
        "birth_date": fake.date_of_birth().isoformat(),
        "national_id": _resident_id(fake) if locale == "zh_CN" else fake.ssn(),
        "bank_card": body + luhn.calc_check_digit(body), "iban": fake.iban(),
        "status": rng.choice(("active", "lead", "churned")), "region": locale[-2:].lower(),
        "created_at": fake.date_time_this_decade().isoformat(),
    }
    if notes:
        record["notes"] = (f"{fake.sentence()} Called {record['name']} about order "
                           f"{rng.randrange(10**8)}.")
    return record


def contact_page(seed: int, size: int = 50, notes: bool = True) -> dict[str, Any]:
    rng = random.Random(seed)
    fakers = {locale: Faker(locale) for locale in _LOCALES}
    for fake in fakers.values():
        fake.seed_instance(seed)
    contacts = []
    for i in range(size):
        locale = _LOCALES[i % len(_LOCALES)]
        contacts.append(contact(fakers[locale], locale, rng, notes))
    return {"page": 1, "size": size, "results": contacts}


def transcripts(count: int, seed: int, size: int = 2048) -> list[tuple[str, list[str]]]:
    """``count`` call transcripts (one language each) of about ``size`` characters, with their
    raw values."""
    pool = [s for s in generate_corpus(count * 60, seed) if s.kind == "transcript"]
    by_locale = {locale: iter([s for s in pool if s.locale == locale]) for locale in _LOCALES}
    out = []
    for i in range(count):
        samples = by_locale[_LOCALES[i % len(_LOCALES)]]
        text, values = "", []
        while len(text) < size:
            sample = next(samples)
            values += [sample.text[a:b] for _, a, b in sample.spans]
            text += sample.text + "\n"
        out.append((text, values))
    return out


def page_values(page: dict[str, Any]) -> list[str]:
    return [str(c[f]) for c in page["results"] for f in (*_FIELDS, "iban")]


def hidden_share(output: str, raw_values: list[str]) -> float:
    """Share of raw values that appear nowhere in the output (digits-only form included)."""
    digits_out = re.sub(r"\D", "", output)
    hidden = 0
    for value in raw_values:
        digits = re.sub(r"\D", "", value)
        leaked = value in output or (len(digits) >= 8 and digits in digits_out)
        hidden += not leaked
    return hidden / len(raw_values) if raw_values else 1.0


def measure(fn: Callable[[Any], Any], items: list[Any], min_seconds: float = 0.0) -> Timing:
    done, started = 0, time.perf_counter()
    while True:
        for item in items:
            fn(item)
            done += 1
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return Timing(done, elapsed)


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)
