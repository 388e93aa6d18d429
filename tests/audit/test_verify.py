"""`audit verify` names the first broken position for every kind of tampering, on SQLite and
PostgreSQL, editing rows directly in the database."""

from __future__ import annotations

import json

from sqlalchemy import text

from proxy.audit.chain import canonical, entry_hash, sha256_hex
from proxy.audit.verify import verify_database
from proxy.audit.writer import AuditLog
from tests.audit.helpers import execute, fill


async def first_problem(log: AuditLog) -> tuple[int, str] | None:
    report = await verify_database(log.db, log.signer.public_key)
    problem = report.first_problem
    return (problem.seq, problem.reason) if problem else None


async def test_untouched_log_verifies(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    report = await verify_database(audit_log.db, audit_log.signer.public_key)
    assert report.ok, report.problems
    assert report.entries == 25
    assert report.checkpoints >= 2  # checkpoint_every=10 in the test settings


async def test_edited_content_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "UPDATE audit_entries SET fields = replace(fields, 'deny', 'allow')"
                             " WHERE seq = 7")
    assert await first_problem(audit_log) == (7, "content edited (digest mismatch)")


async def test_edited_header_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "UPDATE audit_entries SET kind = 'detokenize' WHERE seq = 12")
    assert await first_problem(audit_log) == (12, "entry edited (hash mismatch)")


async def test_deleted_entry_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "DELETE FROM audit_entries WHERE seq = 7")
    assert await first_problem(audit_log) == (7, "entry missing (deleted)")


async def test_inserted_entry_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 7")
    await execute(audit_log, "UPDATE audit_entries SET seq = seq - 999 WHERE seq > 1000")
    await execute(audit_log, "INSERT INTO audit_entries SELECT log, 7, ts, kind, category, fields,"
                             " fields_sha256, prev_hash, entry_hash, caller_sub, subject_hash,"
                             " system, outcome, case_id, purged_at FROM audit_entries"
                             " WHERE seq = 3")
    seq, reason = await first_problem(audit_log)
    assert seq == 7 and "does not follow the previous entry" in reason


async def test_reordered_entries_are_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "UPDATE audit_entries SET seq = -1 WHERE seq = 8")
    await execute(audit_log, "UPDATE audit_entries SET seq = 8 WHERE seq = 9")
    await execute(audit_log, "UPDATE audit_entries SET seq = 9 WHERE seq = -1")
    seq, reason = await first_problem(audit_log)
    assert seq == 8 and "does not follow the previous entry" in reason


async def test_consistently_rewritten_chain_is_caught_by_signed_checkpoint(
        audit_log: AuditLog) -> None:
    """An attacker without the signing key edits entry 4 and recomputes every later hash and
    the head: links and digests all check out, the checkpoint signed at 10 does not."""
    await fill(audit_log, 15)
    async with audit_log.db.engine.begin() as connection:
        rows = (await connection.execute(text(
            "SELECT * FROM audit_entries ORDER BY seq"))).mappings().all()
        prev = rows[2]["entry_hash"]
        for row in rows[3:]:
            fields = json.loads(row["fields"])
            if row["seq"] == 4:
                fields["outcome"] = "allow-forged"
            body = canonical(fields).decode()
            header = {**row, "fields": body, "fields_sha256": sha256_hex(body.encode()),
                      "prev_hash": prev}
            prev = entry_hash(header)
            await connection.execute(text(
                "UPDATE audit_entries SET fields = :fields, fields_sha256 = :fields_sha256,"
                " prev_hash = :prev_hash, entry_hash = :h WHERE seq = :seq"),
                {**header, "h": prev})
        await connection.execute(text("UPDATE audit_heads SET entry_hash = :h"), {"h": prev})
    assert await first_problem(audit_log) == (10, "entry differs from the signed checkpoint")


async def test_dropped_tail_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "DELETE FROM audit_entries WHERE seq > 22")
    seq, reason = await first_problem(audit_log)
    assert seq == 23 and "log head does not match" in reason


async def test_forged_checkpoint_signature_is_found(audit_log: AuditLog) -> None:
    await fill(audit_log, 25)
    await execute(audit_log, "UPDATE audit_checkpoints SET entry_hash = :h WHERE seq = 20",
                  h="ab" * 32)
    assert await first_problem(audit_log) == (20, "checkpoint signature is not valid")
