"""The sample upstream over real HTTP (uvicorn on 127.0.0.1)."""

from __future__ import annotations

import httpx
import pytest

from proxy.demo.dataset import Dataset
from tests.demo.conftest import TOKEN

Served = tuple[Dataset, dict[str, httpx.Client]]


def cn_contact_with_plain_mobile(data: Dataset) -> dict:
    return next(c for c in data.regions["cn"].contacts
                if c["phone"].isdigit() and c["country"] == "CN")


def test_requests_without_the_bearer_token_get_401_json(served: Served) -> None:
    _, clients = served
    base = clients["cn"].base_url
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = httpx.get(f"{base}/crm/v1/contacts", headers=headers)
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert clients["cn"].get("/healthz").json() == {"status": "ok", "region": "cn"}


def test_pages_cover_every_contact_once_and_next_is_absolute(served: Served) -> None:
    _, clients = served
    seen, url, pages = [], "/crm/v1/contacts?per_page=25", 0
    while url:
        body = clients["eu"].get(url).json()
        assert body["total"] == 60 and body["per_page"] == 25
        seen += [c["id"] for c in body["results"]]
        url, pages = body["next"], pages + 1
        assert url is None or url.startswith(str(clients["eu"].base_url))
    assert pages == 3 and sorted(seen) == list(range(1, 61))


def test_per_page_is_capped_and_bad_paging_is_422(served: Served) -> None:
    _, clients = served
    assert clients["eu"].get("/crm/v1/contacts?per_page=500").json()["per_page"] == 200
    assert clients["eu"].get("/crm/v1/contacts?per_page=50").json()["per_page"] == 50
    assert clients["eu"].get("/crm/v1/contacts").json()["per_page"] == 50
    for query in ("page=0", "page=x", "per_page=-1"):
        response = clients["eu"].get(f"/crm/v1/contacts?{query}")
        assert response.status_code == 422
        assert list(response.json()["fields"]) == [query.split("=")[0]]


def test_phone_filter_normalizes_formats(served: Served) -> None:
    data, clients = served
    contact = cn_contact_with_plain_mobile(data)
    digits = contact["phone"]
    for query in (digits, f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}", f"0086{digits}",
                  f"86 {digits}"):
        found = clients["cn"].get("/crm/v1/contacts", params={"phone": query}).json()
        assert [c["id"] for c in found["results"]] == [contact["id"]], query
    calls = clients["cn"].get("/calls/v1/calls", params={"caller_number": digits}).json()
    assert calls["total"] >= 1
    assert {c["contact_id"] for c in calls["results"]} == {contact["id"]}


def test_lookup_filters(served: Served) -> None:
    data, clients = served
    contact = data.regions["eu"].contacts.get(7)
    get = clients["eu"].get
    assert [c["id"] for c in get("/crm/v1/contacts", params={"email": contact["email"].upper()})
            .json()["results"]] == [7]
    assert get("/crm/v1/contacts", params={"customer_id": contact["customer_id"]}).json()[
        "results"][0]["id"] == 7
    by_name = get("/crm/v1/contacts", params={"name": contact["last_name"].lower()}).json()
    assert 7 in [c["id"] for c in by_name["results"]]
    assert all(contact["last_name"].lower() in c["name"].lower() for c in by_name["results"])
    words = contact["notes"].split()
    found = get("/crm/v1/contacts", params={"q": words[-1], "per_page": 200}).json()["results"]
    assert 7 in [c["id"] for c in found]
    none = get("/crm/v1/contacts", params={"email": "nobody@example.invalid"}).json()
    assert none == {"results": [], "page": 1, "per_page": 50, "total": 0, "next": None}


def test_contact_crud_round_trip_and_lists_see_changes(served: Served) -> None:
    _, clients = served
    client = clients["cn"]
    created = client.post("/crm/v1/contacts", json={
        "first_name": "伟", "last_name": "王", "email": "Wang.Wei.Test@example.com",
        "phone": "13800001111", "country": "CN", "address": {"city": "北京市", "street": "东城区"},
        "custom_fields": {"身份证号": "11010119900307663X"}})
    assert created.status_code == 201
    contact = created.json()
    assert contact["name"] == "王伟" and contact["customer_id"].startswith("C-CN-")
    url = f"/crm/v1/contacts/{contact['id']}"
    assert client.get(url).json() == contact

    patched = client.patch(url, json={"phone": "+86 139 0000 2222", "address": {"city": "上海市"}})
    assert patched.json()["address"] == {"city": "上海市", "street": "东城区", "postcode": None,
                                         "country": None}
    assert client.get("/crm/v1/contacts", params={"phone": "13900002222"}).json()["total"] == 1
    assert client.get("/crm/v1/contacts", params={"phone": "13800001111"}).json()["total"] == 0

    replaced = client.put(url, json={"first_name": "芳", "last_name": "李",
                                     "email": "li.fang.test@example.com"}).json()
    assert (replaced["name"], replaced["phone"], replaced["id"]) == ("李芳", None, contact["id"])
    assert replaced["customer_id"] == contact["customer_id"]

    assert client.delete(url).status_code == 204
    missing = client.get(url)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert client.get("/crm/v1/contacts", params={"email": "li.fang.test@example.com"}).json()[
        "total"] == 0


def test_invalid_writes_get_422_with_field_errors(served: Served) -> None:
    _, clients = served
    client = clients["eu"]
    response = client.post("/crm/v1/contacts", json={"first_name": "", "email": "not-an-email",
                                                     "country": "germany", "shoe_size": 44})
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert {"first_name", "last_name", "email", "country", "shoe_size"} <= set(fields)
    assert "not-an-email" not in response.text  # errors never echo submitted values
    assert client.post("/crm/v1/contacts", content=b"{oops").status_code == 422
    assert client.patch("/crm/v1/contacts/1", json={"email": None}).status_code == 422
    assert client.patch("/crm/v1/contacts/99999", json={}).status_code == 404


def test_ticket_detail_comments_and_comment_crud(served: Served) -> None:
    data, clients = served
    client = clients["eu"]
    ticket = data.regions["eu"].tickets.get(3)
    detail = client.get("/helpdesk/v1/tickets/3").json()
    assert detail["subject"] == ticket["subject"] and detail["comments"]
    assert all(c["ticket_id"] == 3 for c in detail["comments"])
    listed = client.get("/helpdesk/v1/tickets", params={"contact_id": ticket["contact_id"]})
    assert 3 in [t["id"] for t in listed.json()["results"]]

    added = client.post("/helpdesk/v1/tickets/3/comments",
                        json={"author": "Agent Smith", "body": "Called back, resolved."})
    assert added.status_code == 201 and added.json()["author_type"] == "agent"
    comment_id = added.json()["id"]
    comments = client.get("/helpdesk/v1/tickets/3/comments").json()["results"]
    assert comments[-1]["body"] == "Called back, resolved."
    edited = client.patch(f"/helpdesk/v1/tickets/3/comments/{comment_id}", json={"body": "Done."})
    assert edited.json()["body"] == "Done." and edited.json()["ticket_id"] == 3
    assert client.delete(f"/helpdesk/v1/tickets/4/comments/{comment_id}").status_code == 404
    assert client.delete(f"/helpdesk/v1/tickets/3/comments/{comment_id}").status_code == 204
    assert comment_id not in [c["id"] for c in client.get("/helpdesk/v1/tickets/3").json()[
        "comments"]]

    assert client.patch("/helpdesk/v1/tickets/3", json={"status": "closed"}).json()[
        "status"] == "closed"
    assert client.patch("/helpdesk/v1/tickets/3", json={"status": "gone"}).status_code == 422


def test_call_transcript_can_be_replaced_and_searched(served: Served) -> None:
    _, clients = served
    client = clients["cn"]
    patched = client.patch("/calls/v1/calls/2", json={"transcript": "坐席：已脱敏。"})
    assert patched.status_code == 200 and patched.json()["transcript"] == "坐席：已脱敏。"
    assert client.get("/calls/v1/calls/2").json()["transcript"] == "坐席：已脱敏。"
    hits = client.get("/calls/v1/search", params={"q": "已脱敏"}).json()["results"]
    assert hits == [{"type": "call", "id": 2, "contact_id": patched.json()["contact_id"]}]
    assert client.delete("/calls/v1/calls/2").status_code == 204
    assert client.get("/calls/v1/calls/2").status_code == 404


def test_helpdesk_search_finds_a_subjects_tickets_and_mentions(served: Served) -> None:
    data, clients = served
    subject, region = next((s, ref.region) for s in data.subjects.values()
                           for ref in s.mentions if ref.region in clients)
    hits = clients[region].get("/helpdesk/v1/search", params={"q": subject.email}).json()
    found = {(hit["type"], hit["id"]) for hit in hits["results"]}
    own_tickets = {("ticket", ref.id) for ref in subject.records
                   if ref.region == region and ref.kind == "ticket"}
    mentions = {("comment", ref.id) for ref in subject.mentions if ref.region == region}
    assert mentions and own_tickets | mentions <= found
    assert clients[region].get("/helpdesk/v1/search").status_code == 422


@pytest.mark.parametrize("path", ["/crm/v1/contacts/424242", "/helpdesk/v1/tickets/424242",
                                  "/calls/v1/calls/424242", "/nowhere"])
def test_unknown_things_are_404_json(served: Served, path: str) -> None:
    _, clients = served
    response = clients["eu"].get(path)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
