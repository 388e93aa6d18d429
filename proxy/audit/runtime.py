"""Open the database, audit log and evidence store described by one configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from proxy.audit.evidence import EvidenceStore
from proxy.audit.writer import AuditLog
from proxy.db import Database
from proxy.db.master_key import MasterKey
from proxy.settings import Settings


@dataclass(frozen=True, slots=True)
class AuditServices:
    db: Database
    log: AuditLog
    evidence: EvidenceStore


@asynccontextmanager
async def audit_services(settings: Settings) -> AsyncIterator[AuditServices]:
    """Migrated database + running audit log + evidence store; all closed (log flushed) on
    exit."""
    database = settings.database
    db = await Database.open(database.resolved_url(settings.data_dir),
                             schema=database.schema_name, pool_size=database.pool_size)
    try:
        log = await AuditLog.open(db, settings)
        try:
            master = MasterKey.load(database, settings.data_dir)
            yield AuditServices(db, log, EvidenceStore(log, master, settings.audit.evidence))
        finally:
            await log.close()
    finally:
        await db.close()
