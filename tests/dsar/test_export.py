"""The export zip: contents a subject can use, encrypted at rest, tamper-evident, destroyable."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from dsar.export import ExportBuilder
from dsar.identities import Identity
from dsar.results import ResultStore
from dsar.sealed import SealedError
from dsar.settings import parse_dsar_settings
from proxy.db.master_key import MasterKey

EMAIL = "ada.lovelace@example.org"
IDENTITIES = (Identity("email", EMAIL),)
PROCESSING = {"crm": {"purposes": ["account management"], "categories": ["contact data"],
                      "retention": "3 years", "transfers": [
                          {"destination": "US", "safeguard": "SCC 2021/914"}]}}


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    results = ResultStore(tmp_path / "cases", MasterKey(os.urandom(32)))
    with results.records_writer("case1", "crm", "eu") as writer:
        writer.write({"relation": "record", "kind": "contact", "id": "7",
                      "data": {"id": 7, "email": EMAIL, "address": {"city": "London"}}})
        writer.write({"relation": "mention", "kind": "contact", "id": "9",
                      "data": {"id": 9, "notes": f"sister of {EMAIL}", "name": "<PERSON>"}})
    with results.records_writer("case1", "helpdesk", "us") as writer:
        writer.write({"relation": "record", "kind": "ticket", "id": "3",
                      "data": {"id": 3, "subject": "refund, please"}})
    return results


def _builder(store: ResultStore) -> ExportBuilder:
    return ExportBuilder(parse_dsar_settings({"processing": PROCESSING}), store)


async def test_export_holds_json_csv_and_art15_summary(store: ResultStore) -> None:
    builder = _builder(store)
    export = await builder.build_export("case1", "access", IDENTITIES,
                                        [("helpdesk", "us"), ("crm", "eu")])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(builder.open("case1"))))
    assert sorted(archive.namelist()) == ["access_report.json", "access_report.schema.json",
                                          "crm.csv", "helpdesk.csv", "summary.html"]
    report = json.loads(archive.read("access_report.json"))
    schema = json.loads(archive.read("access_report.schema.json"))
    assert report["$schema"] == schema["$id"] and set(schema["required"]) <= set(report)
    crm = next(s for s in report["systems"] if s["system"] == "crm")
    assert crm["processing"]["transfers"] == [{"destination": "US",
                                               "safeguard": "SCC 2021/914"}]
    assert [i["relation"] for i in crm["items"]] == ["record", "mention"]
    rows = list(csv.DictReader(io.StringIO(archive.read("crm.csv").decode())))
    assert {"region": "eu", "relation": "record", "kind": "contact", "id": "7",
            "field": "address.city", "value": "London"} in rows
    html = archive.read("summary.html").decode()
    assert "account management" in html and "SCC 2021/914" in html
    assert (export.records, export.mentions) == (2, 1)


async def test_export_is_encrypted_at_rest_and_tamper_evident(store: ResultStore) -> None:
    builder = _builder(store)
    export = await builder.build_export("case1", "export", IDENTITIES, [("crm", "eu")])
    sealed = export.path.read_bytes()
    assert EMAIL.encode() not in sealed and b"access_report" not in sealed
    damaged = bytearray(sealed)
    damaged[len(damaged) // 2] ^= 1
    export.path.write_bytes(bytes(damaged))
    with pytest.raises(SealedError):
        b"".join(builder.open("case1"))
    export.path.write_bytes(sealed[:-20])
    with pytest.raises(SealedError):
        b"".join(builder.open("case1"))


async def test_destroyed_case_leaves_nothing(store: ResultStore) -> None:
    builder = _builder(store)
    export = await builder.build_export("case1", "access", IDENTITIES, [("crm", "eu")])
    assert store.destroy("case1")
    assert not export.path.exists() and not builder.exists("case1")
    assert list(store.records("case1", "crm", "eu")) == []
