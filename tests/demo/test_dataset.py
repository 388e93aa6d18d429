from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date

import phonenumbers
import pytest
from stdnum import iban, luhn
from stdnum.cn import ric
from stdnum.de import idnr
from stdnum.es import nif
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn

from proxy.demo.dataset import REGIONS, Dataset, build_dataset

VALIDATORS = {"CN_RESIDENT_ID": ric, "DE_TAX_ID": idnr, "FR_NIR": nir, "UK_NHS": nhs,
              "ES_NIF": nif, "IT_FISCAL_CODE": codicefiscale, "NL_BSN": bsn, "PL_PESEL": pesel,
              "US_SSN": ssn}
HAN = r"[\u4e00-\u9fff]"


def contacts(dataset: Dataset) -> list[dict]:
    return [c for region in dataset.regions.values() for c in region.contacts]


def test_same_seed_gives_identical_json_and_another_seed_differs() -> None:
    first = build_dataset(seed=3, contacts_per_region=25)
    assert first.to_json() == build_dataset(seed=3, contacts_per_region=25).to_json()
    assert first.to_json() != build_dataset(seed=4, contacts_per_region=25).to_json()


def test_json_does_not_depend_on_the_process_hash_seed() -> None:
    script = ("import hashlib; from proxy.demo.dataset import build_dataset; "
              "print(hashlib.sha256(build_dataset(5, 40).to_json().encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1


def test_sizes_follow_the_arguments() -> None:
    data = build_dataset(seed=1, contacts_per_region=22, tickets_per_contact=3,
                         calls_per_contact=2)
    for region in data.regions.values():
        assert (len(region.contacts), len(region.tickets), len(region.calls)) == (22, 66, 44)
        assert len(region.comments) >= 66


def test_every_national_id_passes_its_stdnum_validator(dataset: Dataset) -> None:
    types = Counter()
    for contact in contacts(dataset):
        kind, value = contact["national_id"]["type"], contact["national_id"]["value"]
        assert VALIDATORS[kind].is_valid(value), (kind, value)
        types[kind] += 1
    assert set(types) == set(VALIDATORS)


def test_ids_that_encode_a_birth_date_agree_with_birth_date(dataset: Dataset) -> None:
    readers = {"CN_RESIDENT_ID": ric.get_birth_date, "PL_PESEL": pesel.get_birth_date,
               "IT_FISCAL_CODE": codicefiscale.get_birth_date}
    checked = 0
    for contact in contacts(dataset):
        reader = readers.get(contact["national_id"]["type"])
        if reader:
            born = reader(contact["national_id"]["value"])
            assert born == date.fromisoformat(contact["birth_date"])
            checked += 1
    assert checked > 60


def test_bank_details_are_valid(dataset: Dataset) -> None:
    for contact in contacts(dataset):
        bank, country = contact["bank"], contact["country"]
        if country == "CN":
            card = bank["card"]
            assert card.startswith("62") and 16 <= len(card) <= 19 and luhn.is_valid(card)
        elif country == "US":
            assert luhn.is_valid(bank["card"]) and len(bank["card"]) == 16
        else:
            assert iban.is_valid(bank["iban"]) and bank["iban"][:2] == country


def test_phones_are_valid_and_cn_mobiles_use_local_shapes(dataset: Dataset) -> None:
    cn_shapes = Counter()
    for contact in contacts(dataset):
        number = phonenumbers.parse(contact["phone"], contact["country"])
        assert phonenumbers.is_valid_number(number), contact["phone"]
        if contact["country"] == "CN":
            cn_shapes["plain" if re.fullmatch(r"1[3-9]\d{9}", contact["phone"]) else "intl"] += 1
    assert cn_shapes["plain"] > 10 and cn_shapes["intl"] > 0


def test_cn_contacts_carry_chinese_custom_fields(dataset: Dataset) -> None:
    for contact in dataset.regions["cn"].contacts:
        fields = contact["custom_fields"]
        assert fields["手机号"] == contact["phone"] and "联系地址" in fields
        assert contact["national_id"]["value"] in (fields.get("身份证号"), fields.get("证件号码"))


def test_chinese_free_text_glues_personal_data_to_han_characters(dataset: Dataset) -> None:
    region = dataset.regions["cn"]
    text = "\n".join([c["notes"] for c in region.contacts]
                     + [t["description"] for t in region.tickets]
                     + [c["body"] for c in region.comments]
                     + [c["transcript"] for c in region.calls])
    assert re.search(HAN + r"1[3-9]\d{9}" + HAN, text), "mobile glued on both sides"
    assert re.search(HAN + r"[\w.]+@[\w.]+\.(com|net|org)" + HAN, text), "email glued"
    assert re.search(HAN + r"\d{17}[\dX]" + HAN, text), "resident id glued"
    assert re.search(r"订单号?\d{16}", text), "order-number look-alike present"


def test_annotations_name_values_that_are_in_the_text(dataset: Dataset) -> None:
    entity_types = Counter()
    for (region, kind, record_id, name), text in dataset.annotations.items():
        record = getattr(dataset.regions[region], kind + "s").get(record_id)
        assert record[name] == text.value
        for entity, value in text.pii + text.decoys:
            assert value in text.value
            entity_types[entity] += 1
        for entity, value in text.decoys:
            if entity == "ORDER_NUMBER":
                assert not luhn.is_valid(value), "order numbers must not look like cards"
    assert {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CN_RESIDENT_ID", "IBAN_CODE",
            "CREDIT_CARD", "LOCATION", "ORDER_NUMBER", "TRACKING_NUMBER"} <= set(entity_types)


def test_transcripts_are_multi_turn_and_one_to_three_kilobytes(dataset: Dataset) -> None:
    for region in dataset.regions.values():
        for call in region.calls:
            size = len(call["transcript"].encode())
            assert 500 <= size <= 3072 and call["transcript"].count("\n") >= 4
            assert call["language"] == ("zh" if region.region == "cn" else "en")


def test_ground_truth_assigns_every_record_to_exactly_one_subject(dataset: Dataset) -> None:
    owned = Counter((ref.region, ref.kind, ref.id)
                    for subject in dataset.subjects.values() for ref in subject.records)
    assert max(owned.values()) == 1
    for name, region in dataset.regions.items():
        for kind, items in (("contact", region.contacts), ("ticket", region.tickets),
                            ("call", region.calls)):
            assert {(name, kind, i) for i in items.ids()} <= set(owned)


def test_each_subject_is_in_crm_helpdesk_and_calls_with_their_identity(dataset: Dataset) -> None:
    for subject in dataset.subjects.values():
        assert {ref.system for ref in subject.records} == {"crm", "helpdesk", "calls"}
        for ref in subject.records:
            region = dataset.regions[ref.region]
            if ref.kind == "contact":
                contact = region.contacts.get(ref.id)
                assert (contact["email"], contact["name"]) == (subject.email, subject.name)
                assert contact["customer_id"] in subject.customer_ids
            elif ref.kind == "ticket":
                assert region.tickets.get(ref.id)["customer_email"] == subject.email


def test_about_one_subject_in_ten_also_lives_in_a_second_region(dataset: Dataset) -> None:
    twice = [s for s in dataset.subjects.values() if len(s.regions) == 2]
    assert 0.05 <= len(twice) / len(dataset.subjects) <= 0.15
    assert {s.person.home_region for s in twice} == set(REGIONS)
    for subject in twice:
        assert len(set(subject.customer_ids)) == 2
        found = [c for c in contacts(dataset) if c["email"] == subject.email]
        assert len(found) == 2 and found[0]["name"] == found[1]["name"]
        assert len({phonenumbers.format_number(phonenumbers.parse(c["phone"], c["country"]),
                                               phonenumbers.PhoneNumberFormat.E164)
                    for c in found}) == 1


def test_emails_and_phones_identify_one_subject(dataset: Dataset) -> None:
    subjects = list(dataset.subjects.values())
    assert len({s.email for s in subjects}) == len({s.phone for s in subjects}) == len(subjects)
    assert all(dataset.subject_by_email(s.email.upper()) is s for s in subjects[::25])


def test_mentions_point_at_comments_naming_that_subject(dataset: Dataset) -> None:
    mentioned = [s for s in dataset.subjects.values() if s.mentions]
    assert mentioned
    for subject in mentioned:
        for ref in subject.mentions:
            body = dataset.regions[ref.region].comments.get(ref.id)["body"]
            assert subject.email in body and subject.name in body
            assert ref not in subject.records


@pytest.mark.parametrize("region", REGIONS)
def test_free_text_also_names_agents_and_relatives(dataset: Dataset, region: str) -> None:
    agents = set(dataset.regions[region].agents)
    persons = {value for (r, *_), text in dataset.annotations.items() if r == region
               for entity, value in text.pii if entity == "PERSON"}
    subject_names = {s.name for s in dataset.subjects.values()}
    assert agents & persons
    assert persons - agents - subject_names  # relatives: people who are not subjects
