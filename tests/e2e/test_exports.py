"""Contact exports through the gateway: CSV, NDJSON and XML are masked for masking roles like
JSON pages, a DPO gets them as the upstream wrote them, and a format the gateway cannot
inspect (a zip archive) is still blocked for masking roles."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import httpx
import pytest
import xmltodict

from tests.e2e.helpers import UPSTREAM_TOKEN, Demo, leaked, token

EXPORT = "/crm/exports/contacts"


def _get(demo: Demo, role: str, fmt: str, per_page: int = 10) -> httpx.Response:
    with demo.client() as client:
        return client.get(f"{EXPORT}.{fmt}", params={"per_page": per_page},
                          headers={**token(role, "eu"), "X-Subject-Region": "eu"})


def _direct(demo: Demo, fmt: str, per_page: int = 10) -> httpx.Response:
    upstream = demo.config["systems"]["crm"]["upstreams"]["eu"]
    return httpx.get(f"{upstream}/exports/contacts.{fmt}", params={"per_page": per_page},
                     headers={"Authorization": f"Bearer {UPSTREAM_TOKEN}"}, timeout=30)


def test_agent_gets_the_csv_export_masked(demo: Demo) -> None:
    answer = _get(demo, "agent", "csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert leaked(answer.text, demo.raw) == []
    header, *rows = list(csv.reader(io.StringIO(answer.text, newline="")))
    assert header[:5] == ["id", "customer_id", "name", "email", "phone"]
    assert len(rows) == 10 and {len(row) for row in rows} == {len(header)}
    contacts = demo.dataset.regions["eu"].contacts
    for row in rows:
        record = dict(zip(header, row, strict=True))
        contact = contacts.get(int(record["id"]))
        assert record["name"] == contact["name"]  # the agent's profile keeps names
        assert "***@" in record["email"] and record["national_id"] == ""  # a drop field
        assert record["birth_date"] == contact["birth_date"][:4]
        iban = (contact.get("bank") or {}).get("iban")
        assert not iban or iban not in answer.text
    # A further page is named through the gateway, not the upstream.
    assert answer.headers["link"].startswith(f"<{demo.url}{EXPORT}.csv?")


def test_analyst_gets_the_ndjson_export_masked(demo: Demo) -> None:
    answer = _get(demo, "analyst", "ndjson", per_page=5)
    assert answer.status_code == 200, answer.text
    assert leaked(answer.text, demo.raw) == []
    records = [json.loads(line) for line in answer.text.splitlines()]
    assert len(records) == 5
    assert all(r["email"].startswith("EMAIL_ADDRESS_") for r in records)


def test_analyst_gets_the_xml_export_masked(demo: Demo) -> None:
    answer = _get(demo, "analyst", "xml", per_page=5)
    assert answer.status_code == 200, answer.text
    assert leaked(answer.text, demo.raw) == []
    contacts = xmltodict.parse(answer.content)["contacts"]["contact"]
    assert len(contacts) == 5 and all(c["@id"].isdigit() for c in contacts)
    assert all(c["email"].startswith("EMAIL_ADDRESS_") for c in contacts)


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "xml", "zip"])
def test_dpo_gets_every_export_as_the_upstream_wrote_it(demo: Demo, fmt: str) -> None:
    answer = _get(demo, "dpo", fmt)
    assert answer.status_code == 200, answer.text
    assert answer.content == _direct(demo, fmt).content
    if fmt == "csv":
        assert leaked(answer.text, demo.raw) != []


def test_a_format_that_cannot_be_inspected_is_blocked_for_the_agent(demo: Demo) -> None:
    answer = _get(demo, "agent", "zip")
    assert answer.status_code == 502
    assert answer.json()["error"] == "response_blocked"
    raw = _get(demo, "dpo", "zip")
    assert zipfile.ZipFile(io.BytesIO(raw.content)).namelist() == ["contacts.csv"]
