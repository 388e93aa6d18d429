"""Search by time range, caller, subject (hashed), system, outcome and case."""

from __future__ import annotations

import pytest

from proxy.audit.search import SearchQuery, search
from proxy.audit.writer import AuditLog, utc_now
from tests.audit.helpers import fill


async def kinds_and_outcomes(log: AuditLog, **filters: object) -> list[tuple[str, str | None]]:
    found = await search(log.db, SearchQuery(**filters), log.hash_identifier)
    return [(e["kind"], (e["fields"] or {}).get("outcome")) for e in found]


async def test_filters(audit_log: AuditLog) -> None:
    await fill(audit_log, 6, subject="alice@example.com")
    middle = utc_now()
    await fill(audit_log, 3, subject="bob@example.com")
    alice = audit_log.hash_identifier(" Alice@Example.com")  # normalised before hashing
    audit_log.append("dsar.created", {"case_id": "c-1", "caller": {"sub": "dpo-1"},
                                      "subject_hash": alice})
    await audit_log.flush()

    assert len(await kinds_and_outcomes(audit_log, subject="alice@example.com")) == 7
    assert len(await kinds_and_outcomes(audit_log, since=middle)) == 4
    assert len(await kinds_and_outcomes(audit_log, until=middle)) == 6
    assert await kinds_and_outcomes(audit_log, caller="dpo-1") == [("dsar.created", None)]
    assert await kinds_and_outcomes(audit_log, case_id="c-1") == [("dsar.created", None)]
    assert await kinds_and_outcomes(audit_log, subject="bob@example.com", outcome="deny") == [
        ("decision", "deny")]
    assert len(await kinds_and_outcomes(audit_log, system="crm", caller="agent-7")) == 9
    assert await kinds_and_outcomes(audit_log, system="erp") == []
    page = await search(audit_log.db, SearchQuery(limit=4, after_seq=4))
    assert [e["seq"] for e in page] == [5, 6, 7, 8]


def test_subject_hash_must_be_a_hash() -> None:
    with pytest.raises(ValueError):
        SearchQuery(subject_hash="alice@example.com")
