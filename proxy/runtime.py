"""Everything the request path needs beyond HTTP: database, audit log, policy decisions,
the masker and its token keys. Opened once in the app lifespan, closed in reverse."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from proxy.audit.evidence import EvidenceStore
from proxy.audit.runtime import audit_services
from proxy.audit.writer import AuditLog
from proxy.db import Database
from proxy.db.master_key import MasterKey
from proxy.decisions.passed_tests import PassedTests
from proxy.decisions.service import DecisionService
from proxy.keystore import SqlKeyStore
from proxy.pii.masker import Masker
from proxy.pii.settings import PiiSettings
from proxy.residency import ResidencyDirectory
from proxy.settings import Settings


@dataclass(frozen=True, slots=True)
class Runtime:
    db: Database
    audit: AuditLog
    evidence: EvidenceStore
    decisions: DecisionService
    masker: Masker
    keystore: SqlKeyStore
    residency: ResidencyDirectory


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with audit_services(settings) as services:
        sync_engine = services.db.sync_engine()
        master = MasterKey.load(settings.database, settings.data_dir)
        keystore = SqlKeyStore(sync_engine, master)
        decisions = DecisionService(
            settings.policy, passed_tests=PassedTests(settings.data_dir / "policy-tests"))
        try:
            masker, _ = await asyncio.gather(
                asyncio.to_thread(Masker.from_settings, _pii_keys(settings.pii, master),
                                  keystore, settings.system_fields()),
                decisions.start())
            residency = ResidencyDirectory.from_master(services.db, master)
            yield Runtime(services.db, services.log, services.evidence, decisions, masker,
                          keystore, residency)
        finally:
            await decisions.close()
            sync_engine.dispose()


def _pii_keys(pii: PiiSettings, master: MasterKey) -> PiiSettings:
    """Pseudonym and token keys not set in the configuration come from the master key, so
    they stay the same across restarts and worker processes."""
    derived = {name: base64.b64encode(master.derive(f"pii-{name}")).decode()
               for name in ("hmac_key", "token_master_key") if getattr(pii, name) is None}
    return pii.model_copy(update=derived) if derived else pii
