"""Check a whole audit log in the database: every link, every content digest, every
checkpoint signature, and that the head and checkpoints still match the stored entries.

What each check catches: an edited field (digest), an edited header or a moved row (hash and
link), a deleted row (gap in seq), an inserted row (link or hash at that position), a rewritten
tail (signed checkpoint no longer matches), a dropped tail (head / checkpoint beyond the last
entry), content removed outside retention (tombstone with no purge record).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from proxy.audit.chain import GENESIS, entry_hash, sha256_hex
from proxy.audit.checkpoints import Checkpoint, signature_valid
from proxy.db import Database
from proxy.db.tables import audit_checkpoints, audit_entries, audit_heads


@dataclass(frozen=True, slots=True)
class Problem:
    log: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"log {self.log!r} position {self.seq}: {self.reason}"


@dataclass(slots=True)
class VerifyReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return min(self.problems, key=lambda p: (p.log, p.seq), default=None)


async def verify_database(db: Database, public_key: Ed25519PublicKey) -> VerifyReport:
    report = VerifyReport()
    async with db.engine.connect() as connection:
        logs = set((await connection.scalars(select(audit_heads.c.log))).all())
        logs |= set((await connection.scalars(select(audit_entries.c.log).distinct())).all())
        for log in sorted(logs):
            await _verify_log(connection, log, public_key, report)
    report.problems.sort(key=lambda p: (p.log, p.seq))
    return report


async def _verify_log(connection: AsyncConnection, log: str, public_key: Ed25519PublicKey,
                      report: VerifyReport) -> None:
    checkpoints = {row.seq: Checkpoint(**row._mapping) for row in await connection.execute(
        select(audit_checkpoints).where(audit_checkpoints.c.log == log))}
    problems: list[Problem] = []
    for checkpoint in checkpoints.values():
        report.checkpoints += 1
        if not signature_valid(checkpoint, public_key):
            problems.append(Problem(log, checkpoint.seq, "checkpoint signature is not valid"))

    expected, prev = 1, GENESIS
    tombstones: list[int] = []
    purged: list[tuple[int, int]] = []
    rows = await connection.stream(select(audit_entries).where(audit_entries.c.log == log)
                                   .order_by(audit_entries.c.seq)
                                   .execution_options(yield_per=2000))
    async for row in rows:
        report.entries += 1
        reason = _entry_problem(row, expected, prev)
        if reason:
            problems.append(Problem(log, min(expected, row.seq), reason))
            break
        checkpoint = checkpoints.get(row.seq)
        if checkpoint and checkpoint.entry_hash != row.entry_hash:
            problems.append(Problem(log, row.seq, "entry differs from the signed checkpoint"))
            break
        if row.fields is None:
            tombstones.append(row.seq)
        elif row.kind == "audit.purge":
            purged.extend(tuple(r) for r in json.loads(row.fields).get("seqs", []))
        expected, prev = row.seq + 1, row.entry_hash
    await rows.close()
    if not problems:
        problems.extend(await _tail_problems(connection, log, expected - 1, prev, checkpoints))
        problems.extend(Problem(log, seq, "content removed without a purge record")
                        for seq in tombstones
                        if not any(first <= seq <= last for first, last in purged))
    report.problems.extend(problems)


def _entry_problem(row: object, expected: int, prev: str) -> str | None:
    if row.seq != expected:
        return "entry missing (deleted)"
    if row.fields is not None and sha256_hex(row.fields.encode("utf-8")) != row.fields_sha256:
        return "content edited (digest mismatch)"
    if row.fields is None and row.purged_at is None:
        return "content removed (no tombstone)"
    if row.prev_hash != prev:
        return "does not follow the previous entry (inserted, deleted or reordered)"
    if entry_hash(row._mapping) != row.entry_hash:
        return "entry edited (hash mismatch)"
    return None


async def _tail_problems(connection: AsyncConnection, log: str, last_seq: int, last_hash: str,
                         checkpoints: dict[int, Checkpoint]) -> list[Problem]:
    problems = [Problem(log, seq, "signed checkpoint refers to a missing entry (truncated)")
                for seq in checkpoints if seq > last_seq]
    head = (await connection.execute(select(audit_heads).where(audit_heads.c.log == log))).first()
    if head is None or head.seq != last_seq or head.entry_hash != last_hash:
        problems.append(Problem(log, last_seq + 1, "log head does not match the last entry "
                                                   "(entries removed or added at the end)"))
    return problems
