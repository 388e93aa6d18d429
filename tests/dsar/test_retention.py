"""Retention on SQLite and PostgreSQL: the sweep destroys expired exports with their encrypted
results, purges a closed case's identities after the configured time while its skeleton and
timeline stay, audits both; an erasure case keeps no results once it closes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dsar.closing import CaseCloser
from dsar.export import ExportBuilder
from dsar.identities import Identity
from dsar.results import ResultStore
from dsar.retention import Retention
from dsar.store import Case, now_utc
from dsar.tables import case_identities
from proxy.audit.search import SearchQuery, search
from proxy.db.master_key import MasterKey
from tests.db.backends import backend  # noqa: F401
from tests.dsar.workflow_support import DPO, SUPERVISOR, Harness, dsar_settings, harness

ERIN = (Identity("email", "erin@mail.test"), Identity("phone", "+33 1 09 75 83 51"))


@pytest.fixture
async def h(backend: tuple[str, str | None], tmp_path: Path):  # noqa: F811
    async with harness(backend, tmp_path, dsar_settings(retention={"identities_days": 30})
                       ) as built:
        yield built


def result_store(h: Harness) -> ResultStore:
    master = MasterKey.load(h.settings.database, h.settings.data_dir)
    return ResultStore(h.settings.data_dir / "dsar" / "cases", master)


async def with_export(h: Harness, results: ResultStore, expires_in: timedelta) -> Case:
    case = await h.workflow.create(SUPERVISOR, "access", ERIN)
    with results.records_writer(case.id, "crm", "eu") as writer:
        writer.write({"relation": "record", "kind": "contact", "id": "7",
                      "data": {"email": "erin@mail.test"}})
    export = await ExportBuilder(h.dsar, results).build_export(case.id, "access", ERIN,
                                                               [("crm", "eu")])
    await h.workflow.store.update_fields(case.id, {
        "export_path": str(export.path), "export_expires_at": now_utc() + expires_in})
    return case


async def identity_hashes(h: Harness, case_id: str) -> int:
    async with h.workflow.store.db.engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(case_identities)
                                         .where(case_identities.c.case_id == case_id))
                ).scalar_one()


async def audited(h: Harness, case_id: str) -> list[dict[str, Any]]:
    await h.workflow.audit.flush()
    return await search(h.workflow.audit.db, SearchQuery(case_id=case_id))


async def test_the_sweep_destroys_expired_exports(h: Harness) -> None:
    results = result_store(h)
    expired = await with_export(h, results, timedelta(minutes=-1))
    current = await with_export(h, results, timedelta(days=1))
    retention = Retention(h.dsar, h.workflow.store, h.workflow.audit, results.destroy)

    swept = await retention.sweep(now_utc())

    assert (swept.exports_destroyed, swept.cases_purged) == (1, 0)
    assert not results.case_dir(expired.id).exists()
    assert list(results.records(expired.id, "crm", "eu")) == []
    assert (await h.workflow.store.get(expired.id)).export_path is None
    assert b"".join(ExportBuilder(h.dsar, results).open(current.id)).startswith(b"PK")
    assert (await h.workflow.store.get(current.id)).export_path is not None
    timeline = [e.event for e in (await h.workflow.show(DPO, expired.id)).timeline]
    assert timeline[-1] == "export_destroyed"
    entries = await audited(h, expired.id)
    assert "dsar.export_destroyed" in {e["kind"] for e in entries}
    assert (await retention.sweep(now_utc())).exports_destroyed == 0


async def test_closed_cases_lose_their_identities_after_the_retention(h: Harness) -> None:
    results = result_store(h)
    closed = await h.workflow.create(SUPERVISOR, "erasure", ERIN)
    await h.workflow.deny(DPO, closed.id, "not the account holder")
    results.save(closed.id, "facts.eu.crm", {"email": ["erin@mail.test"]})
    still_open = await h.workflow.create(SUPERVISOR, "erasure", ERIN[:1])
    retention = Retention(h.dsar, h.workflow.store, h.workflow.audit, results.destroy)

    assert (await retention.sweep(now_utc() + timedelta(days=29))).cases_purged == 0
    assert h.workflow.identities(await h.workflow.store.get(closed.id)) == ERIN
    assert (await retention.sweep(now_utc() + timedelta(days=31))).cases_purged == 1

    purged = await h.workflow.store.get(closed.id)
    assert purged.identities_sealed is None and purged.verification is None
    with pytest.raises(ValueError, match="purged"):
        h.workflow.identities(purged)
    assert not results.case_dir(closed.id).exists()
    view = await h.workflow.show(DPO, closed.id)  # the skeleton and timeline stay
    assert view.case.state == "denied" and view.case.type == "erasure"
    assert [e.event for e in view.timeline] == ["create", "deny", "identities_purged"]
    assert h.workflow.identities(await h.workflow.store.get(still_open.id)) == ERIN[:1]
    assert await identity_hashes(h, closed.id) == 0  # nothing links it to the subject now
    assert await identity_hashes(h, still_open.id) == 1
    entries = await audited(h, closed.id)
    assert "dsar.identities_purged" in {e["kind"] for e in entries}
    text = json.dumps(entries)
    assert "erin" not in text and "09 75" not in text
    assert (await retention.sweep(now_utc() + timedelta(days=60))).cases_purged == 0


async def test_an_erasure_keeps_no_results_once_closed(h: Harness) -> None:
    results = result_store(h)
    case = await h.workflow.create(SUPERVISOR, "erasure", ERIN)
    results.save(case.id, "facts.eu.crm", {"email": ["erin@mail.test"]})
    results.save(case.id, "progress.eu.crm", {"erased": ["contact/7"]})

    async def no_export(*_: Any) -> Any:
        raise AssertionError("an erasure builds no export")

    changes, summary = await CaseCloser(h.dsar, h.workflow.store, no_export,
                                        results.destroy)(case, ERIN)
    assert changes == {} and summary == {"tasks": 0}
    assert not results.case_dir(case.id).exists()
