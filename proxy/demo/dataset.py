"""Deterministic sample data for the demo CRM, helpdesk and call-center upstreams.

``build_dataset(seed)`` renders every data subject into contacts (crm), tickets and comments
(helpdesk) and calls (calls) in their home region; about one subject in ten also has records
in a second region. ``Dataset.subjects`` is the ground truth of who owns which record and who
is mentioned where; ``Dataset.annotations`` lists the personal data and look-alikes inside
every generated free-text field.
"""

from __future__ import annotations

import json
import random
from dataclasses import astuple, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers

from proxy.demo import texts
from proxy.demo.collection import Collection, Record
from proxy.demo.identifiers import NationalId
from proxy.demo.people import REFERENCE_DATE, PeopleFactory, Person

REGIONS = ("eu", "cn", "us")
TICKET_STATUSES = ("open", "pending", "solved", "closed")
_REGION_COUNTRIES = {"eu": {"DE", "FR", "GB", "ES", "IT", "NL", "PL"}, "cn": {"CN"}, "us": {"US"}}
_CURRENCY = {"eu": "€", "cn": "¥", "us": "$"}
_START = datetime(2021, 1, 1)  # naive UTC: isoformat() is several times faster than strftime
_SPAN = int((datetime.combine(REFERENCE_DATE, datetime.min.time()) - _START).total_seconds())
_GUEST_SHARE = 11  # one contact in this many belongs to a subject whose home is elsewhere
_MENTION_RATE = 0.05  # share of tickets with a comment naming another subject

_ID_LABELS = {
    "en": {"CN_RESIDENT_ID": "resident ID number", "DE_TAX_ID": "tax ID", "FR_NIR":
           "social security number", "UK_NHS": "NHS number", "ES_NIF": "NIF",
           "IT_FISCAL_CODE": "codice fiscale", "NL_BSN": "BSN", "PL_PESEL": "PESEL",
           "US_SSN": "SSN"},
    "zh": {"CN_RESIDENT_ID": "身份证号"},
}
_FMT = phonenumbers.PhoneNumberFormat


@dataclass(frozen=True, slots=True)
class RecordRef:
    region: str
    system: str
    kind: str
    id: int


@dataclass(slots=True)
class Subject:
    """One person and every record that is theirs (``records``) or names them (``mentions``)."""

    person: Person
    customer_ids: list[str] = field(default_factory=list)
    records: list[RecordRef] = field(default_factory=list)
    mentions: list[RecordRef] = field(default_factory=list)

    @property
    def subject_key(self) -> str:
        return self.person.subject_key

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def phone(self) -> str:
        return self.person.phone_e164

    @property
    def national_id(self) -> NationalId:
        return self.person.national_id

    @property
    def regions(self) -> list[str]:
        return list(dict.fromkeys(ref.region for ref in self.records))

    def as_dict(self) -> dict[str, Any]:
        return {"subject_key": self.subject_key, "home_region": self.person.home_region,
                "name": self.name, "email": self.email, "phone": self.phone,
                "national_id": self.national_id._asdict(), "customer_ids": self.customer_ids,
                "records": [list(astuple(ref)) for ref in self.records],
                "mentions": [list(astuple(ref)) for ref in self.mentions]}


@dataclass(slots=True)
class RegionData:
    """One region's upstream data: what the sample servers of that region serve and change."""

    region: str
    agents: tuple[str, ...]
    contacts: Collection = field(default_factory=Collection)
    tickets: Collection = field(default_factory=Collection)
    comments: Collection = field(default_factory=Collection)
    calls: Collection = field(default_factory=Collection)

    def as_dict(self) -> dict[str, Any]:
        return {"agents": list(self.agents), "contacts": list(self.contacts),
                "tickets": list(self.tickets), "comments": list(self.comments),
                "calls": list(self.calls)}


@dataclass(slots=True)
class Dataset:
    seed: int
    regions: dict[str, RegionData]
    subjects: dict[str, Subject]
    # (region, kind, record id, field) -> the generated free text and what it contains
    annotations: dict[tuple[str, str, int, str], texts.Text]
    annotated: bool = False

    def subject_by_email(self, email: str) -> Subject | None:
        email = email.lower()
        return next((s for s in self.subjects.values() if s.email.lower() == email), None)

    def to_json(self) -> str:
        """The whole dataset as JSON: byte-identical for equal seeds and sizes."""
        return json.dumps({"seed": self.seed,
                           "regions": {name: data.as_dict() for name, data in self.regions.items()},
                           "subjects": [s.as_dict() for s in self.subjects.values()]},
                          ensure_ascii=False, separators=(",", ":"))


def build_dataset(seed: int = 7, contacts_per_region: int = 50, *, tickets_per_contact: int = 2,
                  calls_per_contact: int = 1, annotate: bool = False) -> Dataset:
    """Generate every region's contacts, tickets, comments and calls for a seed.

    Each region holds exactly ``contacts_per_region`` contacts; every contact has
    ``tickets_per_contact`` tickets (1-4 comments each) and ``calls_per_contact`` calls.
    ``annotate`` fills ``Dataset.annotations`` (about 40% more memory on large datasets).
    """
    factory = PeopleFactory(seed)
    rng = factory.rng
    guests = contacts_per_region // _GUEST_SHARE
    homes = {r: [factory.person(r) for _ in range(contacts_per_region - guests)] for r in REGIONS}
    subjects = {p.subject_key: Subject(p) for people in homes.values() for p in people}
    dataset = Dataset(seed, {}, subjects, {}, annotate)
    visiting: set[str] = set()
    for region in REGIONS:
        abroad = [p for r in REGIONS if r != region for p in homes[r]
                  if p.subject_key not in visiting]
        roster = homes[region] + rng.sample(abroad, min(guests, len(abroad)))
        visiting.update(p.subject_key for p in roster[len(homes[region]):])
        rng.shuffle(roster)
        builder = _RegionBuilder(dataset, region, rng, factory)
        for person in roster:
            builder.add_subject(person, tickets_per_contact, calls_per_contact, roster)
        dataset.regions[region] = builder.data
    return dataset


def _timestamp(moment: datetime) -> str:
    return moment.isoformat() + "Z"


class _RegionBuilder:
    def __init__(self, dataset: Dataset, region: str, rng: random.Random,
                 factory: PeopleFactory) -> None:
        self.dataset = dataset
        self.region = region
        self.rng = rng
        self.factory = factory
        agents = tuple(factory.bystander(region)[0] for _ in range(12))
        self.data = RegionData(region, agents)

    def add_subject(self, person: Person, tickets: int, calls: int, roster: list[Person]) -> None:
        subject = self.dataset.subjects[person.subject_key]
        ctx = self._context(person)
        created = _START + timedelta(seconds=self.rng.randrange(_SPAN // 2))
        contact = self._contact(person, ctx, created)
        subject.customer_ids.append(contact["customer_id"])
        subject.records.append(RecordRef(self.region, "crm", "contact", contact["id"]))
        for _ in range(tickets):
            ticket = self._ticket(person, contact, ctx, created, roster)
            subject.records.append(RecordRef(self.region, "helpdesk", "ticket", ticket["id"]))
        for _ in range(calls):
            call = self._call(person, contact, ctx, created)
            subject.records.append(RecordRef(self.region, "calls", "call", call["id"]))

    def _context(self, person: Person) -> dict[str, str]:
        """Values the text templates insert for this subject (look-alikes change per record)."""
        rng = self.rng
        lang = "zh" if self.region == "cn" else "en"
        national_id = person.national_id
        bank_type, bank = next(iter(person.bank.items()))
        relative, relative_phone = self.factory.bystander(self.region)
        return {
            "lang": lang, "currency": _CURRENCY[self.region], "name": person.name,
            "surname": person.last_name, "title": _title(lang, person.female),
            "agent": rng.choice(self.data.agents), "relative": relative,
            "relative_phone": self._text_phone(relative_phone, lang),
            "phone": self._text_phone(person.phone, lang), "email": person.email,
            "address": _address_text(person), "birth_date": _birth_text(person.birth_date, lang),
            "national_id": national_id.value, "national_id_type": national_id.type,
            "national_id_label": _ID_LABELS[lang].get(national_id.type, "证件号码"
                                                      if lang == "zh" else "ID number"),
            "bank": bank, "bank_type": "IBAN_CODE" if bank_type == "iban" else "CREDIT_CARD",
            "bank_label": _bank_label(lang, bank_type), "card_last4": bank.replace(" ", "")[-4:],
        }

    def _text_phone(self, number: phonenumbers.PhoneNumber, lang: str) -> str:
        if lang == "zh" and number.country_code == 86:
            digits = str(number.national_number)
            return self.rng.choice((digits, digits, f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                                    f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"))
        return phonenumbers.format_number(number, self._phone_format(number))

    def _phone_format(self, number: phonenumbers.PhoneNumber) -> int:
        country = phonenumbers.region_code_for_number(number)
        if country in _REGION_COUNTRIES[self.region]:
            return self.rng.choice((_FMT.E164, _FMT.INTERNATIONAL, _FMT.NATIONAL))
        return self.rng.choice((_FMT.E164, _FMT.INTERNATIONAL))

    def _record_phone(self, person: Person) -> str:
        if self.region == "cn" and person.country == "CN" and self.rng.random() < 0.7:
            return str(person.phone.national_number)
        return phonenumbers.format_number(person.phone, self._phone_format(person.phone))

    def _later(self, moment: datetime, max_days: int) -> datetime:
        return moment + timedelta(seconds=self.rng.randrange(60, max_days * 86400))

    def _refresh(self, ctx: dict[str, str], moment: datetime) -> None:
        ctx["agent"] = self.rng.choice(self.data.agents)
        texts.refresh_decoys(ctx, self.rng, f"{moment.year}{moment.month:02d}{moment.day:02d}")

    def _annotate(self, kind: str, record_id: int, name: str, text: texts.Text) -> str:
        if self.dataset.annotated:
            self.dataset.annotations[(self.region, kind, record_id, name)] = text
        return text.value

    def _contact(self, person: Person, ctx: dict[str, str], created: datetime) -> Record:
        self._refresh(ctx, created)
        data = self.data
        record: Record = {
            "customer_id": f"C-{self.region.upper()}-{len(data.contacts) + 1:06d}",
            "first_name": person.first_name, "last_name": person.last_name,
            "name": person.name, "email": person.email, "phone": self._record_phone(person),
            "address": dict(person.address), "country": person.country,
            "birth_date": person.birth_date.isoformat(),
            "national_id": person.national_id._asdict(), "bank": dict(person.bank),
            "notes": "",
        }
        if self.region == "cn":
            record["custom_fields"] = _cn_custom_fields(person, record["phone"], ctx)
        record["created_at"] = _timestamp(created)
        record["updated_at"] = _timestamp(self._later(created, 300))
        contact = data.contacts.add(record)
        notes = texts.pick(self.rng, ctx, "note", self.rng.randrange(1, 4))
        contact["notes"] = self._annotate("contact", contact["id"], "notes", notes)
        return contact

    def _ticket(self, person: Person, contact: Record, ctx: dict[str, str], since: datetime,
                roster: list[Person]) -> Record:
        rng = self.rng
        opened = self._later(since, 400)
        self._refresh(ctx, opened)
        subject = texts.pick(rng, ctx, "subject", 1)
        description = texts.pick(rng, ctx, "description", rng.randrange(2, 5))
        ticket = self.data.tickets.add({
            "contact_id": contact["id"], "customer_email": person.email,
            "subject": subject.value, "description": description.value,
            "status": rng.choice(TICKET_STATUSES), "assignee": ctx["agent"],
            "created_at": _timestamp(opened), "updated_at": _timestamp(opened),
        })
        self._annotate("ticket", ticket["id"], "subject", subject)
        self._annotate("ticket", ticket["id"], "description", description)
        moment = opened
        for number in range(rng.randrange(1, 5)):
            moment = self._later(moment, 5)
            if number % 2:
                self._comment(ticket, ctx, moment, person.name, "customer_comment")
            else:
                self._comment(ticket, ctx, moment, ctx["agent"], "agent_comment")
        if rng.random() < _MENTION_RATE:
            self._mention(ticket, ctx, self._later(moment, 5), person, roster)
        return ticket

    def _comment(self, ticket: Record, ctx: dict[str, str], moment: datetime, author: str,
                 kind: str) -> Record:
        body = texts.pick(self.rng, ctx, kind, 1 if kind == "mention" else self.rng.randrange(1, 3))
        ticket["updated_at"] = _timestamp(moment)
        comment = self.data.comments.add({
            "ticket_id": ticket["id"], "author": author,
            "author_type": "customer" if kind == "customer_comment" else "agent",
            "body": body.value, "created_at": _timestamp(moment),
        })
        self._annotate("comment", comment["id"], "body", body)
        return comment

    def _mention(self, ticket: Record, ctx: dict[str, str], moment: datetime, person: Person,
                 roster: list[Person]) -> None:
        other = self.rng.choice(roster)
        if other is person:
            return
        ctx = {**ctx, "other_name": other.name, "other_email": other.email}
        comment = self._comment(ticket, ctx, moment, ctx["agent"], "mention")
        ref = RecordRef(self.region, "helpdesk", "comment", comment["id"])
        self.dataset.subjects[other.subject_key].mentions.append(ref)

    def _call(self, person: Person, contact: Record, ctx: dict[str, str],
              since: datetime) -> Record:
        rng = self.rng
        started = self._later(since, 400)
        self._refresh(ctx, started)
        transcript = texts.transcript(rng, ctx)
        summary = texts.pick(rng, ctx, "summary", 1)
        call = self.data.calls.add({
            "contact_id": contact["id"],
            "caller_number": phonenumbers.format_number(
                person.phone, rng.choice((_FMT.E164, _FMT.E164, _FMT.INTERNATIONAL))),
            "agent": ctx["agent"], "started_at": _timestamp(started),
            "duration_seconds": rng.randrange(45, 1800), "language": ctx["lang"],
            "transcript": transcript.value, "summary": summary.value,
        })
        self._annotate("call", call["id"], "transcript", transcript)
        self._annotate("call", call["id"], "summary", summary)
        return call


def _title(lang: str, female: bool) -> str:
    if lang == "zh":
        return "女士" if female else "先生"
    return "Ms." if female else "Mr."


def _bank_label(lang: str, bank_type: str) -> str:
    if lang == "zh":
        return "银行账户" if bank_type == "iban" else "银行卡"
    return "IBAN" if bank_type == "iban" else "card"


def _address_text(person: Person) -> str:
    address = person.address
    if person.country == "CN":
        city = address["city"]
        return city + address["street"] if address["street"][:2] != city[:2] else address["street"]
    return f"{address['street']}, {address['postcode']} {address['city']}"


def _birth_text(birth: date, lang: str) -> str:
    return f"{birth.year}年{birth.month}月{birth.day}日" if lang == "zh" else birth.isoformat()


def _cn_custom_fields(person: Person, phone: str, ctx: dict[str, str]) -> dict[str, str]:
    id_key = "身份证号" if person.national_id.type == "CN_RESIDENT_ID" else "证件号码"
    return {id_key: person.national_id.value, "手机号": phone, "联系地址": ctx["address"],
            "会员等级": "金卡" if person.birth_date.day % 3 == 0 else "普通会员"}
