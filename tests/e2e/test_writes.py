"""Writes go to the subject's home region; the residency directory the gateway fills from
writes (and administrators correct through the admin API or CLI) routes later requests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from proxy.cli import main
from tests.e2e.helpers import Demo, token
from tests.support import write_config

DPO = token("dpo", "eu", sub="dpo-1")


def _contact(email: str, country: str) -> dict[str, str]:
    return {"first_name": "Wei", "last_name": "Li", "email": email, "country": country}


def _emails(demo: Demo, region: str) -> set[str]:
    return {c["email"] for c in demo.dataset.regions[region].contacts}


def _lookup(demo: Demo, email: str):
    with demo.client() as client:
        return client.post("/admin/residency/lookup", headers=DPO,
                           json={"kind": "email", "value": email})


def _set_home(demo: Demo, email: str, region: str) -> None:
    with demo.client() as client:
        answer = client.put("/admin/residency", headers=DPO, json={
            "kind": "email", "value": email, "region": region,
            "reason": "home region confirmed by the customer"})
    assert answer.status_code == 200, answer.text


def _refused_cn_to_eu(*answers) -> None:
    for answer in answers:
        assert answer.status_code == 403, answer.text
        assert answer.json()["detail"] == (
            "write refused: subject's home region is cn, target upstream is eu")


def _bad_body(answer, media: str) -> None:
    assert answer.status_code == 400
    assert answer.json()["detail"] == f"request body is not valid {media}"


def test_write_of_a_cn_subject_to_the_eu_upstream_is_refused(demo: Demo) -> None:
    email = "wei.li.moved@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    with demo.client() as client:
        created = client.post("/crm/contacts", headers=agent, json=_contact(email, "DE"))
        patched = client.patch("/crm/contacts/1", headers=agent, json={"email": email})
    _refused_cn_to_eu(created, patched)
    assert email not in _emails(demo, "eu")


def test_form_and_text_writes_are_scanned_for_whose_data_they_carry(demo: Demo) -> None:
    email = "wei.li.form@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    with demo.client() as client:
        form = client.post("/crm/contacts", headers=agent, data=_contact(email, "DE"))
        text = client.post("/crm/contacts", content=f"Please call back, mail {email}".encode(),
                           headers={**agent, "Content-Type": "text/plain; charset=utf-8"})
        broken = client.post("/crm/contacts", content=b"email=%FF%FE",
                             headers={**agent,
                                      "Content-Type": "application/x-www-form-urlencoded"})
    _refused_cn_to_eu(form, text)
    _bad_body(broken, "application/x-www-form-urlencoded")


def test_multipart_writes_are_scanned_fields_and_text_or_json_files(demo: Demo) -> None:
    email = "wei.li.multipart@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    card = json.dumps({"contact": {"email": email}}).encode()
    with demo.client() as client:
        field = client.post("/crm/contacts", headers=agent, data=_contact(email, "DE"),
                            files={"photo": ("p.png", b"\x89PNG\r\n", "image/png")})
        upload = client.post("/crm/contacts", headers=agent, data={"note": "see card"},
                             files={"card": ("card.json", card, "application/json")})
        broken = client.post("/crm/contacts", content=b"--x\r\nno end",
                             headers={**agent, "Content-Type": "multipart/form-data; boundary=x"})
    _refused_cn_to_eu(field, upload)
    _bad_body(broken, "multipart/form-data")


def test_csv_ndjson_and_xml_writes_are_scanned_record_by_record(demo: Demo) -> None:
    email = "wei.li.rows@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    lines = "\n".join(json.dumps(_contact(e, "DE")) for e in ("a.b@example.de", email))
    with demo.client() as client:
        csv = client.post("/crm/contacts", content=f"name,email\nWei Li,{email}\n".encode(),
                          headers={**agent, "Content-Type": "text/csv"})
        ndjson = client.post("/crm/contacts", content=lines.encode(),
                             headers={**agent, "Content-Type": "application/x-ndjson"})
        xml = client.post("/crm/contacts", content=f"<c><mail>{email}</mail></c>".encode(),
                          headers={**agent, "Content-Type": "application/xml"})
        broken = client.post("/crm/contacts", content=b'{"email": "x@example.de"}\n{oops',
                             headers={**agent, "Content-Type": "application/x-ndjson"})
    _refused_cn_to_eu(csv, ndjson, xml)
    _bad_body(broken, "application/x-ndjson")


def test_a_write_is_scanned_whatever_its_content_type_says(demo: Demo) -> None:
    """Many APIs parse JSON whatever the Content-Type: an undeclared or opaque type is read
    as JSON or text; only binary bodies go unscanned."""
    email = "wei.li.undeclared@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    record = json.dumps(_contact(email, "DE")).encode()
    with demo.client() as client:
        undeclared = client.post("/crm/contacts", content=record, headers=agent)
        opaque = [client.post("/crm/contacts", content=content, headers={
            **agent, "Content-Type": media}) for media, content in (
                ("application/octet-stream", record), ("image/png", record),
                ("application/x-custom", f"mail: {email}".encode()))]
        binary = client.post("/crm/contacts/1", content=b"\x89PNG\r\n\x1a\n\xff\xfe",
                             headers={**agent, "Content-Type": "image/png"})
    _refused_cn_to_eu(undeclared, *opaque)
    assert binary.status_code not in (400, 403), binary.text


def test_a_compressed_write_is_scanned_decoded(demo: Demo) -> None:
    email = "wei.li.gzip@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu"}
    record = gzip.compress(json.dumps(_contact(email, "DE")).encode())
    with demo.client() as client:
        compressed = client.post("/crm/contacts", content=record,
                                 headers={**agent, "Content-Encoding": "gzip"})
        brotli = client.post("/crm/contacts", content=b"\x1b\x00",
                             headers={**agent, "Content-Encoding": "br"})
        broken = client.post("/crm/contacts", content=b"not gzip",
                             headers={**agent, "Content-Encoding": "gzip"})
    _refused_cn_to_eu(compressed)
    assert brotli.status_code == 415
    assert brotli.json()["detail"] == "content-encoding br cannot be inspected"
    assert broken.status_code == 400
    assert broken.json()["detail"] == "request body: not validly encoded"


def test_a_get_overridden_to_a_write_has_its_body_scanned(demo: Demo) -> None:
    email = "wei.li.override@example.cn"
    _set_home(demo, email, "cn")
    agent = {**token("agent", "eu"), "X-Subject-Region": "eu", "X-HTTP-Method-Override": "POST"}
    with demo.client() as client:
        answer = client.request("GET", "/crm/contacts", headers=agent,
                                json=_contact(email, "DE"))
    _refused_cn_to_eu(answer)


def test_write_to_the_home_region_fills_the_directory_which_routes_later_reads(
        demo: Demo) -> None:
    email = "new.customer.e2e@example.org"
    with demo.client() as client:
        created = client.post("/crm/contacts", json=_contact(email, "CN"),
                              headers={**token("agent", "eu"), "X-Subject-Region": "cn"})
        assert created.status_code == 201, created.text
        assert email in _emails(demo, "cn")
        entry = _lookup(demo, email).json()
        assert (entry["kind"], entry["region"], entry["source"]) == ("email", "cn", "write")
        # No routing key: the directory sends the read to cn, where a CN agent reads locally...
        local = client.get("/crm/contacts", params={"email": email},
                           headers=token("agent", "cn"))
        # ...and an EU agent's read of the same subject is a PIPL transfer.
        abroad = client.get("/crm/contacts", params={"email": email},
                            headers=token("agent", "eu"))
    assert local.status_code == 200 and "x-gateway-regions" not in local.headers
    assert [c["customer_id"] for c in local.json()["results"]] == [
        created.json()["customer_id"]]
    assert email not in local.text
    assert abroad.status_code == 403 and "transfer cn->eu denied" in abroad.json()["detail"]


def test_write_without_routing_key_goes_to_the_record_country_region(demo: Demo) -> None:
    email = "routed.by.country@example.com"
    with demo.client() as client:
        created = client.post("/crm/contacts", json=_contact(email, "US"),
                              headers=token("agent", "eu"))
    assert created.status_code == 201, created.text
    assert email in _emails(demo, "us") and email not in _emails(demo, "eu")


# --- residency directory administration -----------------------------------------------

def test_directory_admin_api_needs_the_policy_permission(demo: Demo) -> None:
    body = {"kind": "email", "value": "someone@example.com"}
    with demo.client() as client:
        assert client.post("/admin/residency/lookup", json=body).status_code == 401
        for role in ("agent", "compliance", "admin"):
            answer = client.post("/admin/residency/lookup", json=body,
                                 headers=token(role, "eu"))
            assert answer.status_code == 403, role
        correction = {**body, "region": "us", "reason": "test"}
        assert client.put("/admin/residency", json=correction,
                          headers=token("supervisor", "eu")).status_code == 403


def test_directory_correction_and_deletion_are_audited_without_the_identifier(
        demo: Demo) -> None:
    email = "Audited.Subject@Example.com"
    _set_home(demo, email, "us")
    _set_home(demo, email.lower(), "eu")  # same subject: identifiers are normalized
    assert _lookup(demo, email).json()["region"] == "eu"
    with demo.client() as client:
        deleted = client.post("/admin/residency/delete", headers=DPO,
                              json={"kind": "email", "value": email})
        assert deleted.json() == {"deleted": 1}
        assert _lookup(demo, email).status_code == 404
        audit = client.post("/admin/audit/search", headers=DPO,
                            json={"subject": email.lower(), "caller": "dpo-1"})
    kinds = [e["kind"] for e in audit.json()["entries"]]
    assert kinds.count("residency.update") >= 2 and "residency.delete" in kinds
    assert email.lower() not in audit.text.lower()
    updates = [e["fields"] for e in audit.json()["entries"] if e["kind"] == "residency.update"]
    assert {(u["previous_region"], u["region"]) for u in updates} >= {(None, "us"),
                                                                      ("us", "eu")}


@pytest.mark.parametrize("body", [
    {"kind": "passport", "value": "zhang@example.cn", "region": "cn", "reason": "x"},
    {"kind": "email", "value": "zhang@example.cn", "region": "CN!", "reason": "x"},
    {"kind": "email", "value": "zhang@example.cn", "region": "cn",
     "reason": "customer wrote from zhang@example.cn"},
])
def test_bad_corrections_are_refused_without_echoing_the_identifier(demo: Demo, body) -> None:
    with demo.client() as client:
        answer = client.put("/admin/residency", headers=DPO, json=body)
    assert answer.status_code == 422
    assert "zhang" not in answer.text
    assert _lookup(demo, "zhang@example.cn").status_code == 404


def test_residency_cli_reads_and_corrects_the_gateway_directory(demo: Demo, tmp_path: Path,
                                                               capsys) -> None:
    config = write_config(tmp_path / "gateway.yaml", demo.config)
    email = "cli.subject@example.com"
    common = ["--config", str(config), "--kind", "email", "--value", email]
    assert main(["residency", "get", *common]) == 1
    assert main(["residency", "set", *common, "--region", "us",
                 "--reason", "ticket 42: customer moved"]) == 0
    capsys.readouterr()
    assert _lookup(demo, email).json()["region"] == "us"  # the gateway sees the CLI's entry
    _set_home(demo, email, "cn")
    assert main(["residency", "get", *common]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["region"], shown["source"]) == ("cn", "admin")
    assert main(["residency", "delete", *common]) == 0
    assert _lookup(demo, email).status_code == 404
