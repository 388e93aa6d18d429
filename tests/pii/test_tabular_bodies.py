"""CSV and NDJSON response bodies, masked like JSON: one document per row or line, classified
together with the headers."""

from __future__ import annotations

import csv
import io
import json

import pytest

from proxy.pii.masker import Masker, MaskingError
from proxy.pii.profiles import Profile
from tests.pii.conftest import MASKING_PROFILES, masking_profile, policy

RAW_VALUES = ["张伟", "13812345678", "zhangwei@example.com", "11010519491231002X",
              "4111111111111111", "John Smith", "john.smith@example.org", "+44 7700 900123",
              "15912345670"]
CSV_HEADER = "id,name,email,phone,身份证号,手机号,bank_card,notes,ref"
CSV_ROWS = [
    "1,张伟,zhangwei@example.com,13812345678,11010519491231002X,15912345670,4111111111111111,"
    '"客户张伟来电, 电话13812345678，谢谢。",A-1',
    '2,John Smith,john.smith@example.org,+44 7700 900123,,,,"Call John Smith back on '
    '+44 7700 900123, he asked about the refund",zhangwei@example.com',
]
CSV_BODY = "\r\n".join([CSV_HEADER, *CSV_ROWS]) + "\r\n"


def mask_csv(masker: Masker, profile: Profile, body: str = CSV_BODY,
             content_type: str = "text/csv; charset=utf-8") -> tuple[str, dict[str, int]]:
    out, counts = masker.mask_body(body.encode(), content_type, profile, system="crm")
    return out.decode(), counts


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_agent_sees_csv_columns_masked_by_their_names(masker: Masker) -> None:
    text, counts = mask_csv(masker, policy("agent"))
    header, first, second = rows(text)
    assert header == CSV_HEADER.split(",")  # the header row is left as it was
    assert first[:7] == ["1", "张伟", "z***@example.com", "138****5678",
                         "110105********002X", "159****5670", ""]  # bank_card: dropped
    assert first[7] == "客户张伟来电, 电话138****5678，谢谢。"  # free text, analyzed
    assert second[1] == "John Smith" and second[2] == "j***@example.org"
    assert "900123" not in second[7]
    assert second[8] == "z***@example.com"  # a repeat of row 1's e-mail, in another column
    assert counts["EMAIL_ADDRESS"] == 3 and counts["PHONE_NUMBER"] >= 4
    assert text.endswith("\r\n") and "\r\n" in text.removesuffix("\r\n")


def test_analyst_pseudonyms_join_across_rows_and_headers(masker: Masker) -> None:
    body = CSV_BODY.encode()
    out, fields, _ = masker.mask_message(
        body, "text/csv", [("x-customer", "zhangwei@example.com")], policy("analyst"))
    _, first, second = rows(out.decode())
    pseudonym = first[2]
    assert pseudonym.startswith("EMAIL_ADDRESS_")
    assert second[8] == pseudonym and fields == [("x-customer", pseudonym)]
    assert first[1] == "<PERSON>" and second[1] == "<PERSON>"


def test_dpo_gets_the_csv_byte_for_byte(masker: Masker) -> None:
    assert mask_csv(masker, policy("dpo")) == (CSV_BODY, {})


@pytest.mark.parametrize("name", MASKING_PROFILES)
def test_masking_roles_leak_no_raw_value_from_csv_or_ndjson(masker: Masker, name: str) -> None:
    profile = masking_profile(name)
    text, _ = mask_csv(masker, profile)
    lines = [json.dumps(dict(zip(CSV_HEADER.split(","), row, strict=True)), ensure_ascii=False)
             for row in rows(CSV_BODY)[1:]]
    ndjson, _ = masker.mask_body("\n".join(lines).encode(), "application/x-ndjson", profile)
    for out in (text, ndjson.decode()):
        for value in RAW_VALUES:
            assert value not in out, (name, value)


def test_a_profile_that_drops_everything_leaves_the_file_rectangular(masker: Masker) -> None:
    text, _ = mask_csv(masker, Profile.most_restrictive())
    table = rows(text)
    assert {len(row) for row in table} == {9}
    assert table[1][:3] == ["1", "", ""]
    assert table[2][8] == "<EMAIL_ADDRESS>"  # found as a repeat, in a column of no type


def test_header_absent_rows_are_lists_of_cells(masker: Masker) -> None:
    body = "zhangwei@example.com,A-1\nplain,电话13812345678\n"
    text, counts = mask_csv(masker, policy("agent"), body, "text/csv; header=absent")
    assert text == "z***@example.com,A-1\nplain,电话138****5678\n"
    assert counts == {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}


def test_bom_and_line_endings_are_kept(masker: Masker) -> None:
    body = "\ufeffname,email\nAda,ada.lovelace@example.com\n"
    out, _ = masker.mask_body(body.encode("utf-8"), "text/csv", policy("agent"))
    assert out == "\ufeffname,email\nAda,a***@example.com\n".encode()


def test_quoted_cells_with_commas_quotes_and_newlines(masker: Masker) -> None:
    body = ('email,notes\n"zhangwei@example.com","Line one, with a comma\r\nand ""quotes"": '
            'call 13812345678"\n')
    text, _ = mask_csv(masker, policy("agent"), body)
    assert rows(text) == [["email", "notes"], [
        "z***@example.com", 'Line one, with a comma\r\nand "quotes": call 138****5678']]
    assert text.count("\n") == 3  # two row ends, the cell's own line break kept inside quotes


def test_ragged_rows_and_repeated_columns_keep_every_cell_masked(masker: Masker) -> None:
    body = ("email,name,email\n"
            "zhangwei@example.com,张伟,li.na@example.com,extra 13812345678,x\n"
            "short@example.com\n"
            "\n")
    text, _ = mask_csv(masker, policy("agent"), body)
    assert rows(text) == [
        ["email", "name", "email"],
        ["z***@example.com", "张伟", "l***@example.com", "extra 138****5678", "x"],
        ["s***@example.com"],
        [],  # a blank line stays one
    ]


def test_charset_is_honoured_both_ways(masker: Masker) -> None:
    body = "name,email,city\nJürgen Müller,juergen@example.de,Köln\n".encode("latin-1")
    out, _ = masker.mask_body(body, 'text/csv; charset="ISO-8859-1"', policy("analyst"))
    assert out.decode("latin-1").splitlines()[1].endswith(",Köln")
    assert b"juergen@" not in out and "Müller".encode("latin-1") not in out


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"name\n\xff\xfe\xfa\n", "text/csv", "not text in its charset"),
    (b"name\nx\n", "text/csv; charset=no-such-charset", "unknown charset"),
    (b"name\nx\n", "text/csv; charset=rot13", "unknown charset"),
    (b"xn--a\n", "text/csv; charset=idna", "not text in its charset"),
    (b'name\n"13812345678"x\n', "text/csv", "malformed at line 2"),
])
def test_unreadable_csv_is_refused(masker: Masker, body: bytes, content_type: str,
                                   message: str) -> None:
    with pytest.raises(MaskingError, match=message) as error:
        masker.mask_body(body, content_type, policy("agent"))
    assert "13812345678" not in str(error.value)


def test_ndjson_lines_are_masked_together_with_the_headers(masker: Masker) -> None:
    body = (b'{"email": "zhangwei@example.com", "name": "\xe5\xbc\xa0\xe4\xbc\x9f"}\r\n'
            b"\n"
            b'{"ref": "zhangwei@example.com", "notes": "call 13812345678"}\n'
            b'"zhangwei@example.com"')
    for media in ("application/x-ndjson", "application/jsonl", "application/x-jsonlines"):
        out, fields, counts = masker.mask_message(body, media, [("x-ref", "zhangwei@example.com")],
                                                  policy("agent"))
        lines = out.decode().split("\n")
        assert lines[-1] == ""  # every line ends with "\n"; the blank line is dropped
        assert [json.loads(line) for line in lines[:-1]] == [
            {"email": "z***@example.com", "name": "张伟"},
            {"ref": "z***@example.com", "notes": "call 138****5678"},
            "z***@example.com",
        ]
        assert fields == [("x-ref", "z***@example.com")]
        assert counts == {"EMAIL_ADDRESS": 4, "PHONE_NUMBER": 1}


def test_ndjson_line_that_is_not_json_is_refused_by_number(masker: Masker) -> None:
    body = b'{"a": 1}\n\n{"phone": "13812345678"\n'
    with pytest.raises(MaskingError, match="line 3 ") as error:
        masker.mask_body(body, "application/x-ndjson", policy("agent"))
    assert "13812345678" not in str(error.value)


def test_oversized_cells_are_refused(masker: Masker) -> None:
    small = Masker(masker.detector, masker.catalog,
                   masker.settings.model_copy(update={"max_text_chars": 10}), masker.tokenizer)
    with pytest.raises(MaskingError, match="longer than"):
        small.mask_body(b"notes\n" + b"x" * 11 + b"\n", "text/csv", policy("agent"))
    with pytest.raises(MaskingError, match="longer than"):
        small.mask_body(b'{"notes": "' + b"x" * 11 + b'"}\n', "application/x-ndjson",
                        policy("agent"))
