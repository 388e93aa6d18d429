"""The /dsar/v1 and /opendsr APIs through the real gateway (authentication, policy, audit)
on 127.0.0.1. The worker is off here: execution is tested in test_worker*.py and the e2e."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from dsar.service import extension
from proxy.app import create_app
from tests.dsar.workflow_support import SYSTEMS, connector
from tests.support import serve_in_thread

SECRET = "s" * 32
ALICE = [{"kind": "email", "value": "alice@mail.test"},
         {"kind": "phone", "value": "+44 20 7946 0958"}]


def auth(role: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": "test", "aud": "gateway", "sub": f"{role}-{uuid.uuid4().hex[:6]}",
              "role": role, "region": "eu", "iat": now, "exp": now + 600}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    from proxy.settings import parse_settings
    data_dir = tmp_path_factory.mktemp("dsar-api")
    settings = parse_settings({
        "default_region": "eu",
        "systems": {"crm": {"prefix": "/crm", "upstreams": {"eu": "http://127.0.0.1:9"}}},
        "identity": {"issuer": "test", "audience": "gateway", "algorithms": ["HS256"],
                     "hs_secret": SECRET},
        "data_dir": str(data_dir),
        "policy": {"run_tests_on_load": False, "timeout_ms": 5000},  # a busy test machine
        "dsar": {"worker": {"enabled": False},
                 "connectors": {s: {r: connector() for r in regions}
                                for s, regions in SYSTEMS.items()}},
    })
    with serve_in_thread(create_app(settings, [extension])) as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        yield client, data_dir


def create(client: httpx.Client, **extra: Any) -> dict[str, Any]:
    response = client.post("/dsar/v1/requests", headers=auth("supervisor"),
                           json={"type": "access", "identities": ALICE, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_verify_approve_show(api: tuple[httpx.Client, Path]) -> None:
    client, data_dir = api
    case = create(client)
    assert case["state"] == "received" and case["regime"] == "gdpr"
    assert "alice" not in str(case)
    url = f"/dsar/v1/requests/{case['id']}"
    assert client.post(f"{url}/send-code", headers=auth("supervisor"), json={}).status_code == 200
    code = (data_dir / "dsar" / "outbox.jsonl").read_text().splitlines()[-1].split(
        "Your code is ")[1][:6]
    wrong = client.post(f"{url}/verify", headers=auth("supervisor"),
                        json={"code": "x" + code[1:]})
    assert wrong.status_code == 422 and wrong.json()["message"] == "the code is not correct"
    assert client.post(f"{url}/verify", headers=auth("supervisor"),
                       json={"code": code}).json()["state"] == "awaiting_approval"
    assert client.post(f"{url}/approve", headers=auth("supervisor")).status_code == 403
    assert client.post(f"{url}/approve", headers=auth("dpo")).json()["state"] == "approved"
    again = client.post(f"{url}/approve", headers=auth("dpo"))
    assert again.status_code == 409 and "approved" in again.json()["message"]
    shown = client.get(url, headers=auth("dpo")).json()
    assert len(shown["tasks"]) == 5 and [e["event"] for e in shown["timeline"]] == [
        "create", "send_code", "verify", "approve"]
    assert client.get(url, headers=auth("supervisor")).status_code == 403  # no "view" role
    assert client.get(url).status_code == 401


def test_deny_extend_cancel_and_validation(api: tuple[httpx.Client, Path]) -> None:
    client, _ = api
    case = create(client)
    url = f"/dsar/v1/requests/{case['id']}"
    extended = client.post(f"{url}/extend", headers=auth("dpo"),
                           json={"reason": "complex request", "months": 1})
    assert extended.status_code == 200 and extended.json()["extensions"] == 1
    assert extended.json()["due_date"] > case["due_date"]
    too_far = client.post(f"{url}/extend", headers=auth("dpo"),
                          json={"reason": "more", "months": 2})
    assert too_far.status_code == 422
    assert client.post(f"{url}/deny", headers=auth("dpo"), json={}).status_code == 422
    denied = client.post(f"{url}/deny", headers=auth("dpo"), json={"reason": "unfounded"})
    assert denied.json()["state"] == "denied"
    assert client.post(f"{url}/cancel", headers=auth("dpo"),
                       json={"reason": "x"}).status_code == 409
    bad = client.post("/dsar/v1/requests", headers=auth("supervisor"),
                      json={"type": "sell", "identities": [{"kind": "email", "value": "a@b.c"}]})
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "type"
    assert "a@b.c" not in bad.text
    assert client.get("/dsar/v1/requests/nope", headers=auth("dpo")).status_code == 404


def test_list_filters(api: tuple[httpx.Client, Path]) -> None:
    client, _ = api
    overdue = create(client, type="erasure", received_at="2020-01-01T10:00:00+00:00")
    listed = client.get("/dsar/v1/requests", headers=auth("dpo"),
                        params={"overdue": "true"}).json()["requests"]
    assert overdue["id"] in [c["id"] for c in listed] and all(c["overdue"] for c in listed)
    erasures = client.get("/dsar/v1/requests", headers=auth("dpo"),
                          params={"type": "erasure"}).json()["requests"]
    assert {c["type"] for c in erasures} == {"erasure"}
    assert client.get("/dsar/v1/requests", headers=auth("dpo"),
                      params={"state": "bogus"}).status_code == 422


def test_download_needs_a_valid_link_and_a_ready_export(api: tuple[httpx.Client, Path]) -> None:
    client, _ = api
    case = create(client)
    url = f"/dsar/v1/requests/{case['id']}"
    assert client.post(f"{url}/download-link", headers=auth("dpo")).status_code == 404
    # The download is public (the signed link is the credential): a forged link is refused
    # with 403, not asked for a login.
    forged = client.get(f"{url}/download",
                        params={"expires": str(int(time.time()) + 600), "signature": "0" * 64})
    assert forged.status_code == 403 and forged.json()["error"] == "linkerror"
    assert client.get(f"{url}/download").status_code == 403


def test_openapi_document(api: tuple[httpx.Client, Path]) -> None:
    client, _ = api
    document = client.get("/dsar/v1/openapi.json", headers=auth("dpo")).json()
    assert document["openapi"].startswith("3.")
    operations = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert ("post", "/dsar/v1/requests/{case_id}/extend") in operations
    assert "CreateIn" in document["components"]["schemas"]


def test_opendsr_requests(api: tuple[httpx.Client, Path]) -> None:
    client, _ = api
    discovery = client.get("/opendsr/discovery", headers=auth("dpo")).json()
    assert "erasure" in discovery["supported_subject_request_types"]
    request_id = str(uuid.uuid4())
    body = {"subject_request_id": request_id, "subject_request_type": "portability",
            "submitted_time": "2026-01-31T10:00:00Z", "api_version": "2.0",
            "subject_identities": [{"identity_type": "email", "identity_value": "o@mail.test",
                                    "identity_format": "raw"}],
            "property_id": "ignored-extra-field"}
    created = client.post("/opendsr/requests", headers=auth("supervisor"), json=body)
    assert created.status_code == 201
    # No home region known: GDPR in UTC, Jan 31 + one month = end of Feb 28.
    assert created.json()["expected_completion_time"] == "2026-03-01T00:00:00+00:00"
    again = client.post("/opendsr/requests", headers=auth("dpo"), json=body)
    assert again.status_code == 200 and again.json()["subject_request_id"] == request_id
    status = client.get(f"/opendsr/requests/{request_id}", headers=auth("dpo")).json()
    assert status["request_status"] == "pending"
    listed = client.get("/dsar/v1/requests", headers=auth("dpo"),
                        params={"type": "export"}).json()["requests"]
    assert [c["source"] for c in listed if c["external_id"] == request_id] == ["opendsr"]
