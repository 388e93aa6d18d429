"""Exports are destroyed when their retention ends: the case's result store (key first, so
nothing left behind can be read) and the case's link to it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from dsar.store import DsarStore, now_utc
from dsar.tables import cases
from proxy.audit.writer import AuditLog


async def destroy_expired_exports(store: DsarStore, audit: AuditLog,
                                  destroy: Callable[[str], bool]) -> int:
    now = now_utc()
    async with store.db.engine.connect() as connection:
        expired = (await connection.execute(
            select(cases.c.id).where(cases.c.export_path.is_not(None),
                                     cases.c.export_expires_at <= now))).scalars().all()
    for case_id in expired:
        destroy(case_id)
        async with store.db.write() as connection:
            await connection.execute(update(cases).where(cases.c.id == case_id).values(
                export_path=None, updated_at=now))
        await store.record(case_id, "export_destroyed", "dsar-worker", {})
        audit.append("dsar.export_destroyed", {"case_id": case_id})
    return len(expired)
