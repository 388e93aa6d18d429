"""One access request through the whole service: created, verified and approved through the
real gateway's API, run by its worker with the real task runner against the sample CRM
upstreams (one server per region on 127.0.0.1), closed with the export, and downloaded by the
data subject through the signed link, with no gateway credentials."""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from dsar.links import DownloadLinks
from dsar.service import extension
from dsar.store import now_utc
from proxy.app import create_app
from proxy.cli import main
from proxy.db.master_key import MasterKey
from proxy.demo.dataset import Dataset, Subject, build_dataset
from proxy.settings import Settings
from tests.dsar.demo_world import demo_settings, serve_dataset, two_region_subject
from tests.support import serve_in_thread

FAST_WORKER = {"poll_seconds": 0.1, "backoff_seconds": 0.2}


def bearer(settings: Settings, role: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": settings.identity.issuer, "aud": settings.identity.audience,
              "sub": f"{role}-{uuid.uuid4().hex[:6]}", "role": role, "region": "eu",
              "iat": now, "exp": now + 900}
    token = jwt.encode(claims, settings.identity.hs_secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[httpx.Client, Settings, Dataset, Subject]]:
    dataset = build_dataset(seed=7, contacts_per_region=60)
    with serve_dataset(dataset) as urls:
        settings = demo_settings(urls, tmp_path, {"worker": FAST_WORKER})
        # A busy, shared test machine: give each policy decision time to answer.
        policy = settings.policy.model_copy(update={"timeout_ms": 5000.0,
                                                    "run_tests_on_load": False})
        settings = settings.model_copy(update={"policy": policy})
        with serve_in_thread(create_app(settings, [extension])) as base, \
                httpx.Client(base_url=base, timeout=60) as client:
            yield client, settings, dataset, two_region_subject(dataset)


def test_access_request_from_creation_to_download(
        world: tuple[httpx.Client, Settings, Dataset, Subject]) -> None:
    client, settings, dataset, subject = world
    dpo = bearer(settings, "dpo")
    created = client.post("/dsar/v1/requests", headers=bearer(settings, "supervisor"), json={
        "type": "access", "identities": [{"kind": "email", "value": subject.email},
                                         {"kind": "phone", "value": subject.phone}]})
    assert created.status_code == 201, created.text
    url = f"/dsar/v1/requests/{created.json()['id']}"
    assert client.post(f"{url}/verify", headers=dpo,
                       json={"attestation": "ID checked by video call"}).status_code == 200
    assert client.post(f"{url}/approve", headers=dpo).json()["state"] == "approved"
    shown = _wait_until_closed(client, url, dpo)
    assert shown["state"] == "completed", shown
    assert {t["state"] for t in shown["tasks"]} == {"done"}
    closing = next(e for e in shown["timeline"] if e["event"] == "complete")["details"]
    assert closing["records_found"] == len(subject.records)
    assert closing["mentions_found"] == len(subject.mentions)

    link = client.post(f"{url}/download-link", headers=dpo).json()
    archive = client.get(link["url"])  # the subject has no gateway credentials
    assert archive.status_code == 200, archive.text
    report, text = _read_zip(archive.content)
    assert _found(report) == _truth(subject)
    assert subject.email in text and subject.name in text
    others = [s.email for s in dataset.subjects.values() if s is not subject]
    assert [email for email in others if email in text] == []

    tampered = link["url"][:-4] + ("0000" if not link["url"].endswith("0000") else "1111")
    assert client.get(tampered).status_code == 403
    expired = _signed_link(settings, shown["id"], minutes_ago=1)
    refused = client.get(expired)
    assert refused.status_code == 403 and refused.json()["message"] == \
        "the download link has expired"

    saved = _cli_download(client, settings, shown["id"])
    assert _read_zip(saved.read_bytes())[0]["case_id"] == shown["id"]
    assert saved.stat().st_mode & 0o777 == 0o600  # personal data: readable by its owner only

    entries = client.post("/admin/audit/search", headers=dpo,
                          json={"case_id": shown["id"]}).json()["entries"]
    assert "dsar.downloaded" in {e["kind"] for e in entries}
    audited = json.dumps(entries, ensure_ascii=False)
    assert subject.email not in audited and subject.phone not in audited


def _cli_download(client: httpx.Client, settings: Settings, case_id: str) -> Path:
    target = settings.data_dir / "downloaded.zip"
    token = bearer(settings, "dpo")["Authorization"].removeprefix("Bearer ")
    assert main(["dsar", "download", case_id, "--url", str(client.base_url), "--token", token,
                 "--output", str(target)]) == 0
    return target


def _wait_until_closed(client: httpx.Client, url: str, headers: dict[str, str],
                       timeout: float = 600.0) -> dict[str, Any]:
    """The case once closed and its tasks settled: the closing task completes the case first
    and is marked done just after (crash-safe order), so it shows "running" for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        shown = client.get(url, headers=headers).json()
        closed = shown["state"] == "completed" and all(
            t["state"] != "running" for t in shown["tasks"])
        if closed or shown["state"] == "failed" or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def _read_zip(content: bytes) -> tuple[dict[str, Any], str]:
    """The JSON report and every file's text together."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        report = json.loads(archive.read("access_report.json"))
        text = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return report, text


def _found(report: dict[str, Any]) -> set[tuple[str, str, str, int, str]]:
    return {(system["region"], system["system"], item["kind"], int(item["id"]),
             item["relation"]) for system in report["systems"] for item in system["items"]}


def _truth(subject: Subject) -> set[tuple[str, str, str, int, str]]:
    return ({(r.region, r.system, r.kind, r.id, "record") for r in subject.records}
            | {(r.region, r.system, r.kind, r.id, "mention") for r in subject.mentions})


def _signed_link(settings: Settings, case_id: str, *, minutes_ago: int) -> str:
    """A link the gateway itself would have issued, whose time has passed."""
    master = MasterKey.load(settings.database, settings.data_dir)
    links = DownloadLinks(master.derive("dsar-download-links"))
    stamp, signature = links.sign(case_id, now_utc() - timedelta(minutes=minutes_ago))
    return f"/dsar/v1/requests/{case_id}/download?expires={stamp}&signature={signature}"
