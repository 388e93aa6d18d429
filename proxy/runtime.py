"""Everything the request path needs beyond HTTP: database, audit log, policy decisions,
the masker and its token keys. Opened once in the app lifespan, closed in reverse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from proxy.audit.evidence import EvidenceStore
from proxy.audit.runtime import audit_services
from proxy.audit.writer import AuditLog
from proxy.db import Database
from proxy.db.master_key import MasterKey
from proxy.decisions.service import DecisionService
from proxy.keystore import SqlKeyStore
from proxy.pii.masker import Masker
from proxy.settings import Settings


@dataclass(frozen=True, slots=True)
class Runtime:
    db: Database
    audit: AuditLog
    evidence: EvidenceStore
    decisions: DecisionService
    masker: Masker
    keystore: SqlKeyStore


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with audit_services(settings) as services:
        sync_engine = services.db.sync_engine()
        keystore = SqlKeyStore(sync_engine,
                               MasterKey.load(settings.database, settings.data_dir))
        decisions = DecisionService(settings.policy)
        try:
            masker, _ = await asyncio.gather(
                asyncio.to_thread(Masker.from_settings, settings.pii, keystore),
                decisions.start())
            yield Runtime(services.db, services.log, services.evidence, decisions, masker,
                          keystore)
        finally:
            await decisions.close()
            sync_engine.dispose()
