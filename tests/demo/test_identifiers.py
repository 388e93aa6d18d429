from __future__ import annotations

import random
from datetime import date

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric
from stdnum.de import idnr
from stdnum.es import nif
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.us import ssn

from proxy.demo import identifiers as ids
from proxy.demo.phones import phone_keys

births = st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31))


@settings(max_examples=300)
@given(seed=st.integers(0, 2**32), birth=births, female=st.booleans())
def test_date_bearing_ids_validate_and_encode_the_birth_date(seed: int, birth: date,
                                                             female: bool) -> None:
    rng = random.Random(seed)
    resident = ids.cn_resident_id(rng, ids.cn_district(rng, birth.year), birth, female)
    assert ric.is_valid(resident) and ric.get_birth_date(resident) == birth
    assert int(resident[16]) % 2 == (0 if female else 1)
    code = ids.it_fiscal_code(rng, "Nicolò", "D'Angelo", birth, female)
    assert codicefiscale.is_valid(code) and codicefiscale.get_birth_date(code) == birth
    assert codicefiscale.get_gender(code) == ("F" if female else "M")
    number = ids.pl_pesel(rng, birth, female)
    assert pesel.is_valid(number) and pesel.get_birth_date(number) == birth
    assert nir.is_valid(ids.fr_nir(rng, birth, female))


@settings(max_examples=300)
@given(seed=st.integers(0, 2**32))
def test_other_ids_and_cards_validate(seed: int) -> None:
    rng = random.Random(seed)
    assert idnr.is_valid(ids.de_tax_id(rng))
    assert nif.is_valid(ids.es_nif(rng))
    assert bsn.is_valid(ids.nl_bsn(rng))
    assert nhs.is_valid(ids.uk_nhs(rng))
    assert ssn.is_valid(ids.us_ssn(rng))
    card = ids.unionpay_card(rng)
    assert card.startswith("62") and len(card) in (16, 19) and luhn.is_valid(card)
    assert luhn.is_valid(ids.us_card(rng))


@settings(max_examples=50)
@given(seed=st.integers(0, 2**32), country=st.sampled_from(sorted(ids.MOBILE_PLANS)))
@example(seed=23737, country="GB")  # a +44 number that is Guernsey's, not the UK's
def test_mobile_numbers_are_valid_for_their_country(seed: int, country: str) -> None:
    number = ids.mobile_number(random.Random(seed), country)
    assert phonenumbers.region_code_for_number(number) == country


def test_phone_keys_match_across_formats() -> None:
    stored = phone_keys("13812345678", "CN")
    for query in ("+86 138-1234-5678", "0086 138 1234 5678", "138 1234 5678"):
        assert stored & phone_keys(query, "CN"), query
    assert phone_keys("0151 23456789", "DE") & phone_keys("015123456789")
    assert not stored & phone_keys("+86 139 1234 5678", "CN")
