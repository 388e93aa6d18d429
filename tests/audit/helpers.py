"""Shared helpers: fill a log with realistic entries, tamper with rows behind its back."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from proxy.audit.entry import decision_entry
from proxy.audit.writer import AuditLog
from proxy.caller import Caller

AGENT = Caller(subject="agent-7", role="agent", region="eu", purpose="support", tenant="acme")


async def fill(log: AuditLog, count: int, subject: str = "subject-1") -> None:
    for i in range(count):
        log.append("decision", decision_entry(
            str(uuid.uuid4()), AGENT, "crm", "GET", "/contacts/{id}", "eu", "eu", "rev-1",
            "allow" if i % 3 else "deny", {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": i % 2},
            subject_hash=log.hash_identifier(subject)))
    await log.flush()


async def execute(log: AuditLog, sql: str, **params: object) -> None:
    async with log.db.engine.begin() as connection:
        await connection.execute(text(sql), params)
