"""Retention purges leave tombstones: the chain still verifies, the purge is audited, and a
tombstone nobody authorised is reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proxy.audit.evidence import EvidenceStore, EvidenceUnavailable
from proxy.audit.retention import purge_expired
from proxy.audit.search import SearchQuery, search
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditLog
from proxy.db.master_key import MasterKey
from proxy.settings import Settings
from tests.audit.helpers import execute, fill


async def test_expired_entries_become_tombstones_and_chain_verifies(audit_log: AuditLog) -> None:
    await fill(audit_log, 12)
    audit_log.append("dsar.created", {"case_id": "case-9", "subject_hash": "a" * 64})
    later = datetime.now(UTC) + timedelta(days=200)  # decisions keep 180 days, DSAR 2190

    report = await purge_expired(audit_log, "dpo-1", now=later)

    assert report.entries == {"decision": 12, "detokenize": 0, "dsar": 0}
    entries = await search(audit_log.db, SearchQuery(limit=100))
    assert [e["fields"] is None for e in entries[:12]] == [True] * 12
    assert entries[12]["fields"]["case_id"] == "case-9"
    purge = entries[13]
    assert purge["kind"] == "audit.purge" and purge["fields"]["seqs"] == [[1, 12]]
    assert await search(audit_log.db, SearchQuery(system="crm")) == []
    verified = await verify_database(audit_log.db, audit_log.signer.public_key)
    assert verified.ok, verified.problems


async def test_tombstone_without_purge_record_is_reported(audit_log: AuditLog) -> None:
    await fill(audit_log, 12)
    await execute(audit_log, "UPDATE audit_entries SET fields = NULL,"
                             " purged_at = '2030-01-01T00:00:00.000000Z' WHERE seq = 5")
    report = await verify_database(audit_log.db, audit_log.signer.public_key)
    assert str(report.first_problem) == (
        "log 'main' position 5: content removed without a purge record")


async def test_expired_evidence_is_purged_and_audited(audit_log: AuditLog,
                                                      settings: Settings) -> None:
    store = EvidenceStore(audit_log, MasterKey.load(settings.database, settings.data_dir),
                          settings.audit.evidence)
    item = await store.add("case-1", "correspondence", "a.txt", "text/plain", b"hello", "dpo")
    report = await purge_expired(audit_log, "dpo-1",
                                 now=datetime.now(UTC) + timedelta(days=2191))
    assert report.evidence == 1
    with pytest.raises(EvidenceUnavailable, match="purged"):
        await store.read("case-1", item.item_id, "dpo-1")
    kinds = [e["kind"] for e in await search(audit_log.db, SearchQuery(case_id="case-1"))]
    assert kinds == ["evidence.added", "evidence.purged"]
