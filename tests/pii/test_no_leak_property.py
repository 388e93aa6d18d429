"""Property: for a masking role, no raw value of a masked entity appears anywhere in the output,
whatever the CRM record looks like (values also repeated in free text, under unknown keys and
as the keys of a map)."""

from __future__ import annotations

import json
import re
from typing import Any

from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from proxy.pii.masker import Masker
from tests.pii.conftest import MASKING_PROFILES, masking_profile

_FAKERS = {locale: Faker(locale) for locale in ("en_US", "de_DE", "fr_FR", "zh_CN")}


def _resident_id(seed: int) -> str:
    body = f"110105{1950 + seed % 50}{1 + seed % 12:02d}{1 + seed % 28:02d}{seed % 1000:03d}0"
    return body[:-1] + ric.calc_check_digit(body)


def _card(seed: int) -> str:
    body = f"62{seed:016d}"[:18]
    return body + luhn.calc_check_digit(body)


@st.composite
def crm_records(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    locale = draw(st.sampled_from(sorted(_FAKERS)))
    seed = draw(st.integers(min_value=0, max_value=10**9))
    fake = _FAKERS[locale]
    fake.seed_instance(seed)
    values = {
        "name": fake.name(),
        "email": fake.email(),
        "mobile": f"1{draw(st.sampled_from('3456789'))}{seed % 10**9:09d}",
        "身份证号": _resident_id(seed),
        "bank_card": _card(seed),
        "iban": fake.iban(),
        "address": fake.address().replace("\n", ", "),
        "birth_date": fake.date_of_birth().isoformat(),
    }
    mentioned = draw(st.lists(st.sampled_from(sorted(values)), max_size=4))
    glue = draw(st.sampled_from(["，", "。", "：", " ", "（", "谢谢"]))
    notes = "客户来电" + glue.join(values[k] for k in mentioned) + glue + "请回电"
    record = {**values, "id": seed, "notes": notes, "status": "open"}
    duplicate_key = draw(st.sampled_from(["label", "x_ref", "另见", "meta"]))
    duplicate = {duplicate_key: values[draw(st.sampled_from(sorted(values)))]}
    # A map keyed by personal data, as lookup and report endpoints answer.
    keyed = draw(st.lists(st.sampled_from(sorted(values)), max_size=3, unique=True))
    index = {values[k]: {"field": k} for k in keyed}
    return ({"results": [record], "duplicates": [duplicate], "index": index},
            list(values.values()))


def _leaks(output: str, raw_values: list[str]) -> list[str]:
    digits_out = re.sub(r"\D", "", output)
    leaks = [v for v in raw_values if v in output]
    for value in raw_values:
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 8 and digits in digits_out:
            leaks.append(value)
    return leaks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(sample=crm_records(), profile=st.sampled_from(MASKING_PROFILES))
def test_masking_roles_never_see_raw_values(masker: Masker, sample: tuple[dict, list[str]],
                                            profile: str) -> None:
    doc, raw_values = sample
    result = masker.mask_json(doc, masking_profile(profile), system="crm")
    output = json.dumps(result.document, ensure_ascii=False)
    assert _leaks(output, raw_values) == []
