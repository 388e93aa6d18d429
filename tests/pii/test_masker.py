"""The masker end to end: the same document seen by different roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from proxy import jsonio
from proxy.decisions.role_profile import PolicyRefused, policy_decision, policy_profile
from proxy.pii.floor import _looked_at, floor_body
from proxy.pii.masker import Masker, MaskingDeferred, MaskingError
from proxy.pii.profiles import Operator, Profile
from tests.pii.conftest import MASKING_PROFILES, masking_profile, policy

RAW_VALUES = ["张伟", "13812345678", "zhangwei@example.com", "11010519491231002X",
              "建国路88号", "1949-12-31", "4111111111111111", "John Smith"]


def page() -> dict[str, Any]:
    return {
        "results": [{
            "id": 17, "name": "张伟", "mobile": "13812345678", "email": "zhangwei@example.com",
            "身份证号": "11010519491231002X", "address": "北京市朝阳区建国路88号",
            "birth_date": "1949-12-31", "bank_card": "4111111111111111",
            "order_no": "20240312101530123",
            "notes": "客户张伟来电，邮箱zhangwei@example.com谢谢。Also spoke with John Smith.",
        }],
        "duplicates": [{"label": "张伟 / 13812345678", "ref": "13812345678"}],
        "total": 1,
    }


def masked(masker: Masker, profile: Profile, doc: Any = None) -> str:
    result = masker.mask_json(doc or page(), profile, system="crm")
    return json.dumps(result.document, ensure_ascii=False)


def test_agent_sees_partials_and_names(masker: Masker) -> None:
    doc = json.loads(masked(masker, policy("agent")))
    record = doc["results"][0]
    assert record["name"] == "张伟"
    assert record["mobile"] == "138****5678"
    assert record["email"] == "z***@example.com"
    assert record["身份证号"] == "110105********002X"
    assert record["address"] == "北京市朝阳区建国路88号"  # the policy's agent keeps addresses
    assert record["birth_date"] == "1949"
    assert "bank_card" not in record  # a drop field of the policy's agent profile
    assert record["order_no"] == "20240312101530123"
    assert doc["duplicates"][0]["ref"] == "138****5678"


def test_format_keeping_operators_on_catalogued_fields(masker: Masker) -> None:
    profile = Profile(default=Operator.REDACT, entities={
        "LOCATION": Operator.GENERALIZE, "CREDIT_CARD": Operator.PARTIAL})
    record = json.loads(masked(masker, profile))["results"][0]
    assert record["address"] == "北京市"
    assert record["bank_card"] == "**** **** **** 1111"


def test_analyst_pseudonyms_are_stable_for_joins(masker: Masker) -> None:
    first = json.loads(masked(masker, policy("analyst")))
    second = json.loads(masked(masker, policy("analyst")))
    assert first == second
    record = first["results"][0]
    assert record["email"].startswith("EMAIL_ADDRESS_")
    assert record["mobile"].startswith("PHONE_NUMBER_")
    # The same pseudonym wherever the value occurs, so it joins across fields and records.
    assert record["mobile"] in first["duplicates"][0]["label"]
    assert first["duplicates"][0]["ref"] == record["mobile"]


def test_dpo_sees_everything_unchanged(masker: Masker) -> None:
    assert json.loads(masked(masker, policy("dpo"))) == page()


@pytest.mark.parametrize("name", MASKING_PROFILES)
def test_masking_roles_leak_no_raw_value(masker: Masker, name: str) -> None:
    out = masked(masker, masking_profile(name))
    for value in RAW_VALUES:
        assert value not in out


def test_unknown_role_gets_fields_dropped(masker: Masker) -> None:
    record = json.loads(masked(masker, Profile.most_restrictive()))["results"][0]
    assert set(record) == {"id", "order_no", "notes"}
    assert "<PERSON>" in record["notes"] and "<EMAIL_ADDRESS>" in record["notes"]


def test_tokens_of_one_record_share_its_subject_key(masker: Masker) -> None:
    record = json.loads(masked(masker, Profile(default=Operator.TOKEN)))["results"][0]
    key_ids = {record[f].split(".")[1] for f in ("name", "mobile", "email", "bank_card")}
    # The resident id is the record's strongest identifier, wherever it sits in the object.
    assert key_ids == {masker.tokenizer.key_id_for("11010519491231002X")}
    assert masker.tokenizer.detokenize(record["mobile"]) == "13812345678"
    # The policy's token profile (supervisors reviewing quality) keys them the same way.
    review = json.loads(masked(masker, policy("supervisor", "quality_review")))["results"][0]
    assert {review[f].split(".")[1] for f in ("name", "mobile", "email")} == key_ids


def test_drop_fields_remove_the_field_everywhere(masker: Masker) -> None:
    profile = Profile.from_dict({"default": "keep", "drop_fields": ["bank_card", "ref"]})
    doc = masker.mask_json(page(), profile).document
    assert "bank_card" not in doc["results"][0] and "ref" not in doc["duplicates"][0]


def test_counts_report_types_not_values(masker: Masker) -> None:
    result = masker.mask_json(page(), policy("analyst"))
    assert result.counts["PHONE_NUMBER"] >= 2
    assert all(isinstance(v, int) for v in result.counts.values())


def test_numbers_holding_personal_data_are_masked(masker: Masker) -> None:
    doc = {"contact": {"phone": 8613812345678, "msisdn": 13812345678, "qty": 3}}
    out = masker.mask_json(doc, policy("analyst")).document
    assert out["contact"]["qty"] == 3
    assert "13812345678" not in json.dumps(out)


def test_catalog_overrides_and_paths(masker: Masker) -> None:
    from proxy.pii.catalog import Catalog
    from proxy.pii.settings import FieldSettings

    fields = FieldSettings(catalog={"contacts.*.code": "PERSON", "vip": "FREE_TEXT"})
    custom = Masker(masker.detector, Catalog(fields),
                    masker.settings, masker.tokenizer)
    doc = {"contacts": [{"code": "Li Lei"}], "vip": "Customer John Smith is a VIP"}
    out = custom.mask_json(doc, Profile(default=Operator.REDACT)).document
    assert out == {"contacts": [{"code": "<PERSON>"}], "vip": "Customer <PERSON> is a VIP"}


def test_mask_text(masker: Masker) -> None:
    result = masker.mask_text("您好，我是王芳，手机13812345678", policy("agent"))
    assert result.document == "您好，我是王芳，手机138****5678"


def test_unparseable_or_opaque_bodies_are_blocked(masker: Masker) -> None:
    agent = policy("agent")
    with pytest.raises(MaskingError, match="not valid JSON"):
        masker.mask_body(b'{"mobile": "13812345678"', "application/json", agent)
    with pytest.raises(MaskingError, match="cannot be inspected"):
        masker.mask_body(b"13812345678", "application/octet-stream", agent)
    body, _ = masker.mask_body(b"13812345678", "application/octet-stream",
                               policy("dpo"))
    assert body == b"13812345678"


def test_mask_body_json(masker: Masker) -> None:
    body, counts = masker.mask_body(json.dumps(page()).encode(), "application/json; charset=utf-8",
                                    policy("agent"))
    assert "138****5678" in body.decode() and counts["PHONE_NUMBER"] >= 1


@pytest.mark.parametrize("encoded", [b"\xef\xbb\xbf" + json.dumps(page()).encode(),
                                     json.dumps(page()).encode("utf-16")],
                         ids=["utf-8 with a byte order mark", "utf-16"])
def test_json_as_some_servers_write_it_is_masked_not_blocked(masker: Masker,
                                                             encoded: bytes) -> None:
    body, _ = masker.mask_body(encoded, "application/json", policy("agent"))
    assert json.loads(body)["results"][0]["mobile"] == "138****5678"


def _quick(masker: Masker, doc: Any, profile: Profile,
           content_type: str = "application/json") -> bytes:
    body = json.dumps(doc, ensure_ascii=False).encode()
    masked, _, _ = masker.mask_message(body, content_type, [], profile, quick=True)
    return masked


def test_quick_masking_gives_the_same_answer_or_defers(masker: Masker) -> None:
    """The gateway masks small bodies on its event loop with ``quick``: the same answer as
    off the loop, or MaskingDeferred when NER or the key store would be needed."""
    structured = {"results": [{k: v for k, v in page()["results"][0].items() if k != "notes"}]}
    for role in ("agent", "analyst"):
        slow, _ = masker.mask_body(json.dumps(structured).encode(), "application/json",
                                   policy(role))
        assert _quick(masker, structured, policy(role)) == slow
        with pytest.raises(MaskingDeferred):  # free text: names only NER finds
            _quick(masker, page(), policy(role))
    with pytest.raises(MaskingDeferred):
        _quick(masker, structured, masking_profile("all tokens"))
    with pytest.raises(MaskingDeferred):
        _quick(masker, "call 13812345678", policy("agent"), "text/plain")


def test_quick_masking_gives_up_when_its_time_is_out(masker: Masker,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Values never seen before are each scanned (a page of them can take 100 ms): past its
    time a quick walk defers, rather than hold the event loop."""
    import proxy.pii.classify
    structured = {"results": [{"id": 1, "mobile": "13812345678"}]}
    assert b"138****5678" in _quick(masker, structured, policy("agent"))

    class SlowClock:  # a fake clock: each look at it is 0.5 ms later
        def __init__(self) -> None:
            self.now = 0.0

        def perf_counter(self) -> float:
            self.now += 0.0005
            return self.now

    # A long list of values is checked item by item, not only as one list.
    values = ["13812345678", "C-1001", "C-1002", "C-1003", "C-1004"]
    monkeypatch.setattr(proxy.pii.classify, "time", SlowClock())
    with pytest.raises(MaskingDeferred):
        _quick(masker, values, policy("agent"))
    monkeypatch.setattr(proxy.pii.classify, "time", SlowClock())
    assert _quick(masker, values[:1], policy("agent")) == b'["138****5678"]'



def test_errors_inside_detection_block_without_values(masker: Masker,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> list:
        raise RuntimeError(f"boom on {text}")

    monkeypatch.setattr(masker.detector, "patterns", broken)
    with pytest.raises(MaskingError) as error:  # a value not seen before: no cached answer
        masker.mask_json({"free": "13812340000"}, policy("agent"))
    assert "13812340000" not in str(error.value)


def test_oversized_text_is_refused(masker: Masker) -> None:
    small = Masker(masker.detector, masker.catalog,
                   masker.settings.model_copy(update={"max_text_chars": 10}), masker.tokenizer)
    with pytest.raises(MaskingError, match="longer than"):
        small.mask_json({"notes": "x" * 11}, policy("agent"))


def test_policy_profile_purpose_and_fallbacks() -> None:
    assert policy_profile("agent", "support") == policy_profile("agent", None)
    assert policy_profile("supervisor", "quality_review") != policy_profile("supervisor")
    assert policy_profile("supervisor", "support") == policy_profile("supervisor")
    # Unknown roles (and none) are refused, with the most restrictive profile.
    for role, purpose in ((None, None), ("nobody", "x")):
        decision = policy_decision(role, purpose)
        assert not decision.allow and "unknown role" in decision.reasons
        assert Profile.from_dict(decision.masking) == Profile.most_restrictive()
        with pytest.raises(PolicyRefused, match="unknown role"):
            policy_profile(role, purpose)  # type: ignore[arg-type]


def test_overlapping_repeats_merge_and_never_reveal_parts(masker: Masker) -> None:
    address = "Nikolaus-Lübs-Ring 9877, 08016 Schrobenhausen"
    notes = f"客户来电{address} Nurten Linke-Benthin 请回电 {address} {address}"
    doc = {"name": "Nurten Linke-Benthin", "address": address, "notes": notes}
    out = json.dumps(masker.mask_json(doc, policy("analyst")).document,
                     ensure_ascii=False)
    assert address not in out and "Nurten" not in out and "9877" not in out


def test_cover_merges_overlapping_spans() -> None:
    from proxy.pii.analyzer import Finding, cover

    found = [Finding("LOCATION", 0, 10, 0.9)]
    merged = cover(found, "PERSON", 8, 14)
    assert merged == [Finding("LOCATION", 0, 14, 1.0, ("PERSON",))]
    assert cover(merged, "PERSON", 2, 5) == merged  # already inside a span


def test_concurrent_masking_gives_the_same_answers(masker: Masker) -> None:
    from concurrent.futures import ThreadPoolExecutor

    analyst = policy("analyst")
    expected = masked(masker, analyst)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: masked(masker, analyst), range(12)))
    assert results == [expected] * 12


def test_erasing_the_subject_key_shreds_the_records_tokens() -> None:
    from proxy.pii.analyzer import Detector
    from proxy.pii.catalog import Catalog
    from proxy.pii.settings import PiiSettings
    from proxy.pii.tokens import InMemoryKeyStore, Tokenizer, TokenKeyDestroyed, subject_key_id

    settings = PiiSettings(english_ner=False)
    store = InMemoryKeyStore()
    master = settings.key_bytes("token_master_key")
    masker = Masker(Detector.default(None), Catalog(), settings, Tokenizer(store, master))
    doc = {"email": "erase.me@example.com", "phone": "+86 138 1234 5678", "name": "Li Lei"}
    out = masker.mask_json(doc, Profile(default=Operator.TOKEN)).document
    assert store.destroy(subject_key_id(master, "Erase.Me@example.com"))
    for token in out.values():
        with pytest.raises(TokenKeyDestroyed):
            masker.tokenizer.detokenize(token)


@pytest.mark.parametrize("name", [*MASKING_PROFILES, "agent"])
def test_percent_encoded_values_in_links_are_masked(masker: Masker, name: str) -> None:
    link = ("https://crm.example.com/contacts?ref=zhangwei%40example.com"
            "&mobile=%2B86%2013812345678&name=%E5%BC%A0%E4%BC%9F&page=2")
    out = masked(masker, masking_profile(name), {"next": link})
    for raw in ("zhangwei%40example.com", "zhangwei@example.com", "13812345678"):
        assert raw not in out
    assert json.loads(out)["next"].startswith("https://crm.example.com/contacts?ref=")
    assert json.loads(out)["next"].endswith("&page=2")


def test_labels_beside_a_catalogued_id_are_not_taken_for_ids(masker: Masker) -> None:
    doc = {"passport": {"type": "FR_NIR", "value": "288098556415926", "country": "FR"},
           "bank_account": {"kind": "checking", "number": "DE89370400440532013000"}}
    out = json.loads(masked(masker, policy("analyst"), doc))
    assert out["passport"]["type"] == "FR_NIR" and out["passport"]["country"] == "FR"
    assert out["bank_account"]["kind"] == "checking"
    assert "288098556415926" not in json.dumps(out)
    assert "DE89370400440532013000" not in json.dumps(out)


def test_repeats_are_found_in_strings_of_every_shape(masker: Masker) -> None:
    doc = {"birth_date": "1988-09-19", "name": "Nicole Wagner",
           "ref": "1988-09-19T10:00:00Z", "label": "CALL-Nicole Wagner-42", "code": "NW-77"}
    out = masked(masker, policy("analyst"), doc)
    assert "1988-09-19" not in out and "Nicole Wagner" not in out
    assert json.loads(out)["code"] == "NW-77"


def test_the_masking_floor_copies_the_document_and_gives_it_back() -> None:
    page = {"results": [{"email": "a@example.com", "tags": ["x", 1]}], "page": 1}
    copy = _looked_at(page)
    assert copy == page and copy is not page and copy["results"][0] is not page["results"][0]
    assert floor_body(jsonio.dumps(page)) == jsonio.dumps(page)
