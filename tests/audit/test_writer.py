"""The batched writer: nothing acknowledged is lost on a clean close, raw personal data is
refused at the door, and a restarted log continues the same chain."""

from __future__ import annotations

import asyncio
import math
import stat
import uuid

import pytest
from sqlalchemy import func, select

from proxy.audit.entry import RawValueError
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditClosed, AuditLog
from proxy.db import Database
from proxy.db.tables import audit_entries
from proxy.settings import Settings
from tests.audit.helpers import AGENT


async def count(db: Database) -> int:
    async with db.engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(audit_entries))


async def test_close_writes_everything_acknowledged(db: Database, settings: Settings) -> None:
    log = await AuditLog.open(db, settings)
    for i in range(2345):
        log.append("detokenize", {"caller": AGENT.as_input(), "token_count": i})
    assert log.pending > 0  # append only queued; nothing waited for the database
    await log.close()
    assert await count(db) == 2345
    with pytest.raises(AuditClosed):
        log.append("detokenize", {"token_count": 1})


async def test_reopened_log_continues_the_chain(db: Database, settings: Settings) -> None:
    for _ in range(2):
        log = await AuditLog.open(db, settings)
        for i in range(15):
            log.append("policy_reload", {"revision": f"r{i}"})
        await log.close()
    report = await verify_database(db, log.signer.public_key)
    assert report.ok and report.entries == 30


@pytest.mark.parametrize("fields", [
    {"note": "customer wrote from anna.schmidt@example.de"},
    {"caller": {"sub": "agent-7", "tenant": "+49 151 23456789"}},  # only sub is hashed
    {"caller": "+49 151 23456789"},
    {"query": "身份证11010519491231002X"},
    {"subject_hash": "not-a-hash"},
])
async def test_raw_personal_values_are_refused(audit_log: AuditLog, fields: dict) -> None:
    with pytest.raises(RawValueError) as error:
        audit_log.append("decision", fields)
    assert "example.de" not in str(error.value) and "2345" not in str(error.value)
    await audit_log.flush()
    assert await count(audit_log.db) == 0


@pytest.mark.parametrize(("fields", "error"), [
    ({"latency": 1.5}, TypeError), ({"masked": {"PERSON": 2.0}}, TypeError),
    ({"latency": math.nan}, ValueError), ({"id": uuid.uuid4()}, TypeError),
])
async def test_values_without_canonical_form_are_refused(audit_log: AuditLog, fields: dict,
                                                         error: type[Exception]) -> None:
    with pytest.raises(error):
        audit_log.append("decision", fields)
    assert audit_log.pending == 0


async def test_two_replicas_share_one_chain(db: Database, settings: Settings) -> None:
    """Two gateway processes on one database: the head-row lock keeps one unbroken chain."""
    first, second = await AuditLog.open(db, settings), await AuditLog.open(db, settings)
    for i in range(600):
        (first if i % 2 else second).append("policy_reload", {"revision": f"r{i}"})
        if i % 100 == 0:
            await asyncio.sleep(0)
    await asyncio.gather(first.close(), second.close())
    report = await verify_database(db, first.signer.public_key)
    assert report.ok, report.problems
    assert report.entries == 600


def test_signing_key_is_private(audit_log: AuditLog, settings: Settings) -> None:
    path = settings.audit.resolved_signing_key_file(settings.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
