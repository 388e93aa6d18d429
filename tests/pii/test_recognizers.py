"""Every recognizer on real-format English and Chinese data, positives and negatives."""

from __future__ import annotations

import pytest

from proxy.pii.analyzer import Detector
from tests.pii.conftest import found

POSITIVES = [
    # China
    ("身份证号11010519491231002X，请核实", "CN_RESIDENT_ID", "11010519491231002X"),
    ("证件：440305199003071236。", "CN_RESIDENT_ID", "440305199003071236"),
    ("客户手机13812345678谢谢", "PHONE_NUMBER", "13812345678"),
    ("电话：+86 138 1234 5678，", "PHONE_NUMBER", "+86 138 1234 5678"),
    ("座机010-62345678转人工", "PHONE_NUMBER", "010-62345678"),
    ("卡号6222021234567890128已挂失", "CREDIT_CARD", "6222021234567890128"),
    ("统一社会信用代码91350100M000100Y43。", "CN_USCC", "91350100M000100Y43"),
    ("护照号码E12345678，", "CN_PASSPORT", "E12345678"),
    ("寄到北京市朝阳区建国路88号，谢谢", "LOCATION", "北京市朝阳区建国路88号"),
    ("地址：广东省广州市天河区体育西路1号", "LOCATION", "广东省广州市天河区体育西路1号"),
    ("邮箱zhangwei@example.com谢谢", "EMAIL_ADDRESS", "zhangwei@example.com"),
    ("出生日期1985年3月12日。", "DATE_OF_BIRTH", "1985年3月12日"),
    # EU / international
    ("IBAN: DE89 3704 0044 0532 0130 00.", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("pay to FR1420041010050500013M02606 today", "IBAN_CODE", "FR1420041010050500013M02606"),
    ("Steuer-ID 86095742719 liegt vor", "DE_TAX_ID", "86095742719"),
    ("NIR 2 55 08 14 168 025 38", "FR_NIR", "2 55 08 14 168 025 38"),
    ("DNI 12345678Z", "ES_NIF", "12345678Z"),
    ("NIE X2482300W", "ES_NIE", "X2482300W"),
    ("My NHS number is 943 476 5919", "UK_NHS", "943 476 5919"),
    ("codice fiscale RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
    ("BSN 111222333", "NL_BSN", "111222333"),
    ("PESEL 44051401359", "PL_PESEL", "44051401359"),
    ("personnummer 811228-9874", "SE_PERSONNUMMER", "811228-9874"),
    ("hetu 131052-308T", "FI_PERSONAL_IDENTITY_CODE", "131052-308T"),
    ("rijksregister 85.07.30-033.28", "BE_NATIONAL_NUMBER", "85.07.30-033.28"),
    ("USt-IdNr. DE136695976", "EU_VAT_ID", "DE136695976"),
    ("call +49 30 1234567 tomorrow", "PHONE_NUMBER", "+49 30 1234567"),
    ("phone (206) 555-0143 or", "PHONE_NUMBER", "(206) 555-0143"),
    ("téléphone 01 42 68 53 00", "PHONE_NUMBER", "01 42 68 53 00"),
    ("mail john.smith@example.org.", "EMAIL_ADDRESS", "john.smith@example.org"),
    ("from 192.168.10.20.", "IP_ADDRESS", "192.168.10.20"),
    ("from 2001:db8::8a2e:370:7334 at", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
    ("Visa 4111 1111 1111 1111 exp", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("SSN 536-90-4399 on file", "US_SSN", "536-90-4399"),
    ("born on March 12, 1985 in", "DATE_OF_BIRTH", "March 12, 1985"),
    ("geboren am 12.03.1985", "DATE_OF_BIRTH", "12.03.1985"),
    ("ships to 1600 Pennsylvania Avenue, Washington, DC 20500", "LOCATION",
     "1600 Pennsylvania Avenue, Washington, DC 20500"),
    ("wohnt in Hauptstraße 5, 10115 Berlin", "LOCATION", "Hauptstraße 5, 10115 Berlin"),
    ("au 12, rue de Rivoli, 75001 Paris", "LOCATION", "12, rue de Rivoli, 75001 Paris"),
    # Names in free text
    ("Customer John Smith called about his order", "PERSON", "John Smith"),
    ("客户张伟来电说卡丢了", "PERSON", "张伟"),
    ("您好，我是欧阳娜娜，想查询订单", "PERSON", "欧阳娜娜"),
    ("王芳女士住在北京", "PERSON", "王芳"),
]


@pytest.mark.parametrize(("text", "entity", "value"), POSITIVES)
def test_finds_personal_data(detector: Detector, text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(detector, text)


NEGATIVES = [
    ("身份证号11010519491231002A", "CN_RESIDENT_ID"),  # bad check character
    ("身份证号110105194912310021", "CN_RESIDENT_ID"),  # check digit should be X
    ("身份证号110105194902300023", "CN_RESIDENT_ID"),  # 30 February
    ("卡号6222021234567890123已挂失", "CREDIT_CARD"),  # fails Luhn
    ("card 1234 5678 9012 3456", "CREDIT_CARD"),  # no issuer, fails Luhn
    ("IBAN DE89 3704 0044 0532 0130 01", "IBAN_CODE"),  # mod 97 fails
    ("统一社会信用代码91350100M000100Y44", "CN_USCC"),
    ("Steuer-ID 86095742718", "DE_TAX_ID"),
    ("NIR 2 55 08 14 168 025 39", "FR_NIR"),
    ("SSN 000-12-3456", "US_SSN"),
    ("订单号13812345678已发货", "PHONE_NUMBER"),  # order number shaped like a mobile
    ("Order A-39576927340 shipped", "PHONE_NUMBER"),
    ("logged 2024-03-12 10:15:30.881459 by batch", "PHONE_NUMBER"),  # timestamp
    ("时间戳1710238530123", "PHONE_NUMBER"),
    ("invoice 20240312101530123", "CREDIT_CARD"),
    ("version 1.2.3.4567", "IP_ADDRESS"),
    ("meeting on 2024-03-12 at noon", "DATE_OF_BIRTH"),  # a date, not a birth date
]


@pytest.mark.parametrize(("text", "entity"), NEGATIVES)
def test_rejects_lookalikes(detector: Detector, text: str, entity: str) -> None:
    assert entity not in [e for e, _ in found(detector, text)]


def test_passport_needs_a_context_word(detector: Detector) -> None:
    assert ("CN_PASSPORT", "E12345678") in found(detector, "护照E12345678")
    assert "CN_PASSPORT" not in [e for e, _ in found(detector, "批次E12345678入库")]


def test_weak_checksums_need_context(detector: Detector) -> None:
    # 111222333 passes the Dutch 11-proof, but a bare number is not reported as a BSN.
    assert "NL_BSN" not in [e for e, _ in found(detector, "Artikel 111222333 ist da")]


def test_chinese_names_skip_common_words(detector: Detector) -> None:
    entities = found(detector, "谢谢您的耐心，金额为100元，请问还有什么问题")
    assert [e for e, _ in entities if e == "PERSON"] == []


@pytest.mark.parametrize("digits", ["20240312", "1710238530", "4839201938475", "99999999999"])
def test_plain_order_numbers_are_not_personal_data(detector: Detector, digits: str) -> None:
    assert found(detector, f"Reference {digits} processed") == []


def test_percent_encoded_values_are_found_at_their_encoded_span(detector: Detector) -> None:
    text = "see https://x.example/c?ref=zhangwei%40example.com&id=%E5%BC%A0 ok"
    found = detector.patterns(text)
    start = text.index("zhangwei")
    assert [(f.entity_type, f.start, f.end) for f in found if f.start == start] == [
        ("EMAIL_ADDRESS", start, start + len("zhangwei%40example.com"))]
