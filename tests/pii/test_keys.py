"""Personal data in object keys (maps keyed by e-mail or phone, as lookup and report
endpoints answer) is masked like values; keys that are field names are left alone."""

from __future__ import annotations

import json

import pytest

from proxy.pii.masker import Masker, MaskingError
from tests.pii.conftest import masking_profile, policy


def masked(masker: Masker, role: str, doc: object) -> dict:
    profile = masking_profile("unknown role") if role == "unknown role" else policy(role)
    return json.loads(masker.mask_body(json.dumps(doc).encode(), "application/json",
                                       profile, system="crm")[0])


def test_keys_holding_personal_data_are_masked_in_place(masker: Masker) -> None:
    doc = {"by_email": {"zhangwei@example.com": {"tickets": 3}, "+86 138 1234 5678": {"tickets": 1},
                        "11010519491231002X": {"tickets": 2}},
           "total": 3}
    out = masked(masker, "agent", doc)
    assert list(out) == ["by_email", "total"]
    assert list(out["by_email"]) == ["z***@example.com", "+86 138 **** 5678",
                                     "110105********002X"]
    assert [v["tickets"] for v in out["by_email"].values()] == [3, 1, 2]


def test_a_key_repeating_a_masked_value_is_masked(masker: Masker) -> None:
    doc = {"results": [{"name": "张伟", "email": "wei@example.cn"}],
           "per_agent": {"张伟": 4, "John Smith": 2}, "notes_by": {"John Smith": "x"}}
    doc["results"].append({"name": "John Smith"})
    out = json.dumps(masked(masker, "analyst", doc), ensure_ascii=False)
    assert "张伟" not in out and "John Smith" not in out


def test_keys_masked_alike_keep_every_entry(masker: Masker) -> None:
    doc = {"a.lee@example.org": 1, "b.wong@example.org": 2, "c.diaz@example.org": 3}
    out = masked(masker, "unknown role", doc)
    assert sorted(out.values()) == [1, 2, 3]
    assert not any("@example.org" in key for key in out)


def test_field_names_and_the_dpo_see_keys_unchanged(masker: Masker) -> None:
    doc = {"customer_id": 7, "address_line2": "x", "@odata.etag": "W/1", "phone_e164": "n/a",
           "by_email": {"zhangwei@example.com": 1}}
    assert list(masked(masker, "agent", doc))[:4] == list(doc)[:4]
    assert masked(masker, "dpo", doc) == doc


def test_a_csv_header_holding_personal_data_is_refused(masker: Masker) -> None:
    body = b"month,zhangwei@example.com,total\n2026-11,4,4\n"
    with pytest.raises(MaskingError, match="header row holds personal data"):
        masker.mask_body(body, "text/csv", policy("agent"))
    plain = b"month,email,total\n2026-11,zhangwei@example.com,4\n"
    out, _ = masker.mask_body(plain, "text/csv", policy("agent"))
    assert out.decode().splitlines() == ["month,email,total", "2026-11,z***@example.com,4"]
