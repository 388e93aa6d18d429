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
    """A Faker contact page (used when the demo CRM package is not available)."""
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


_PII_KEYS = frozenset({"name", "first_name", "last_name", "email", "phone", "birth_date",
                       "national_id", "bank_card", "iban", "address", "street", "value"})


def page_values(node: Any, key: str | None = None) -> list[str]:
    """Raw personal values of a CRM page: strings under the usual personal-data keys."""
    if isinstance(node, dict):
        return [v for k, child in node.items() for v in page_values(child, k)]
    if isinstance(node, list):
        return [v for child in node for v in page_values(child, key)]
    return [node] if isinstance(node, str) and key in _PII_KEYS and len(node) >= 4 else []


def demo_pages(count: int) -> list[tuple[dict[str, Any], list[str]]] | None:
    """Pages of 50 contacts from the demo CRM, with the personal values their notes contain;
    ``None`` when the demo package is not available."""
    try:
        from proxy.demo.dataset import build_dataset
    except ImportError:
        return None
    dataset = build_dataset(contacts_per_region=50, annotate=True)
    pages = []
    for region, data in list(dataset.regions.items())[:count]:
        contacts = list(data.contacts)
        noted = [value for (r, kind, _, _), text in dataset.annotations.items()
                 if r == region and kind == "contact" for _, value in text.pii]
        pages.append(({"results": contacts}, page_values(contacts) + noted))
    return pages


def demo_transcripts(count: int) -> list[tuple[str, list[str]]] | None:
    """Call transcripts of the demo CRM (about 2 KB each) with their personal values."""
    try:
        from proxy.demo.dataset import build_dataset
    except ImportError:
        return None
    dataset = build_dataset(contacts_per_region=max(4, count), annotate=True)
    calls = [text for (_, kind, _, field_name), text in dataset.annotations.items()
             if kind == "call" and field_name == "transcript" and len(text.value) >= 1800]
    return [(text.value, [value for _, value in text.pii]) for text in calls[:count]]


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
