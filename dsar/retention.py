"""What the service keeps, and for how long (run by the hourly sweep):

- an export is destroyed when its retention ends: the case's result store (key first, so
  nothing left behind can be read) and the case's link to it;
- a closed case keeps the subject's identities only for ``retention.identities_days`` after it
  closed: then the sealed identities, their keyed hashes, the verification record and any
  results left are deleted. The case skeleton (type, states, dates) and its timeline stay as
  evidence that the request was answered; they hold no personal data of the subject.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from dsar.settings import DsarSettings
from dsar.store import DsarStore
from dsar.tables import case_identities, cases
from proxy.audit.writer import AuditLog

SWEEPER = "dsar-retention"


@dataclass(frozen=True, slots=True)
class Swept:
    exports_destroyed: int
    cases_purged: int


class Retention:
    def __init__(self, settings: DsarSettings, store: DsarStore, audit: AuditLog,
                 destroy_results: Callable[[str], bool]) -> None:
        self._identities_for = timedelta(days=settings.retention.identities_days)
        self._store = store
        self._audit = audit
        self._destroy_results = destroy_results

    async def sweep(self, now: datetime) -> Swept:
        return Swept(await self.destroy_expired_exports(now), await self.purge_closed(now))

    async def destroy_expired_exports(self, now: datetime) -> int:
        expired = await self._ids(cases.c.export_path.is_not(None),
                                  cases.c.export_expires_at <= now)
        for case_id in expired:
            await asyncio.to_thread(self._destroy_results, case_id)
            await self._update(case_id, now, export_path=None)
            await self._store.record(case_id, "export_destroyed", SWEEPER, {})
            self._audit.append("dsar.export_destroyed", {"case_id": case_id})
        return len(expired)

    async def purge_closed(self, now: datetime) -> int:
        """Closed cases past the identity retention that still hold identities."""
        due = await self._ids(cases.c.closed_at.is_not(None),
                              cases.c.closed_at <= now - self._identities_for,
                              cases.c.identities_sealed.is_not(None))
        for case_id in due:
            await asyncio.to_thread(self._destroy_results, case_id)
            async with self._store.db.write() as connection:
                await connection.execute(delete(case_identities)
                                         .where(case_identities.c.case_id == case_id))
            await self._update(case_id, now, identities_sealed=None, verification=None,
                               export_path=None)
            details = {"retention_days": self._identities_for.days}
            await self._store.record(case_id, "identities_purged", SWEEPER, details)
            self._audit.append("dsar.identities_purged", {"case_id": case_id, **details})
        return len(due)

    async def _ids(self, *where: object) -> list[str]:
        async with self._store.db.engine.connect() as connection:
            rows = await connection.execute(select(cases.c.id).where(*where)
                                            .order_by(cases.c.id))
        return list(rows.scalars().all())

    async def _update(self, case_id: str, now: datetime, **values: object) -> None:
        async with self._store.db.write() as connection:
            await connection.execute(update(cases).where(cases.c.id == case_id)
                                     .values(updated_at=now, **values))
