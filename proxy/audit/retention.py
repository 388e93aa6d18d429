"""Retention: purge entries and evidence older than their category's retention period.

A purged entry keeps its header and content digest (a tombstone), so the chain still
verifies; its content and search columns are cleared. Every purge is itself an
"audit.purge" entry naming the positions it cleared, written *before* clearing them, and
verify rejects any tombstone not covered by such a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from proxy.audit.writer import AuditLog, utc_now
from proxy.db.tables import audit_entries, evidence_items


@dataclass(slots=True)
class PurgeReport:
    entries: dict[str, int] = field(default_factory=dict)
    evidence: int = 0


def _ranges(seqs: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for seq in seqs:
        if ranges and ranges[-1][1] == seq - 1:
            ranges[-1][1] = seq
        else:
            ranges.append([seq, seq])
    return ranges


def _cutoff(now: datetime, days: int) -> str:
    return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def purge_expired(log: AuditLog, purged_by: str, now: datetime | None = None) -> PurgeReport:
    now = now or datetime.now(UTC)
    report = PurgeReport()
    await log.flush()
    for category, days in sorted(log.settings.retention_days.items()):
        if category == "evidence":
            report.evidence = await _purge_evidence(log, _cutoff(now, days), purged_by)
        else:
            report.entries[category] = await _purge_entries(log, category, _cutoff(now, days),
                                                            purged_by)
    return report


async def _purge_entries(log: AuditLog, category: str, cutoff: str, purged_by: str) -> int:
    table = audit_entries.c
    expired = (table.log == log.name, table.category == category, table.ts < cutoff,
               table.fields.is_not(None))
    async with log.db.engine.connect() as connection:
        seqs = list((await connection.scalars(
            select(table.seq).where(*expired).order_by(table.seq))).all())
    if not seqs:
        return 0
    log.append("audit.purge", {"category": category, "cutoff": cutoff, "log": log.name,
                               "seqs": _ranges(seqs), "count": len(seqs),
                               "caller": {"sub": purged_by}})
    await log.flush()
    async with log.db.write() as connection:
        await connection.execute(
            update(audit_entries).where(*expired, table.seq <= seqs[-1])
            .values(fields=None, caller_sub=None, subject_hash=None, system=None, outcome=None,
                    case_id=None, purged_at=utc_now()))
    return len(seqs)


async def _purge_evidence(log: AuditLog, cutoff: str, purged_by: str) -> int:
    table = evidence_items.c
    expired = (table.created_at < cutoff, table.ciphertext.is_not(None))
    async with log.db.engine.connect() as connection:
        items = (await connection.execute(select(table.item_id, table.case_id)
                                          .where(*expired))).all()
    for item in items:
        log.append("evidence.purged", {"case_id": item.case_id, "item_id": item.item_id,
                                       "cutoff": cutoff, "caller": {"sub": purged_by}})
    await log.flush()
    if items:
        async with log.db.write() as connection:
            await connection.execute(update(evidence_items)
                                     .where(*expired, table.item_id.in_([i.item_id for i in items]))
                                     .values(ciphertext=None, purged_at=utc_now()))
    return len(items)
