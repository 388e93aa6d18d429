"""Alembic migrations on SQLite and the real PostgreSQL: open migrates to head, reopening is a
no-op, and the schema downgrades and upgrades again."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from proxy.db import Database

HEAD = "0002"  # the newest migration in proxy/migrations/versions

TABLES = {"audit_entries", "audit_heads", "audit_checkpoints", "case_keys", "evidence_items",
          "token_keys", "residency_entries"}


async def tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_open_migrates_to_head(db: Database) -> None:
    assert await db.current_revision() == HEAD
    assert await tables(db) >= TABLES


async def test_downgrade_and_upgrade_again(db: Database) -> None:
    await db.downgrade("base")
    assert await db.current_revision() is None
    assert not TABLES & await tables(db)
    await db.upgrade()
    assert await tables(db) >= TABLES


async def test_replicas_starting_together_agree(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    opened = await asyncio.gather(*(Database.open(url, schema=schema) for _ in range(3)))
    try:
        assert [await db.current_revision() for db in opened] == [HEAD] * 3
    finally:
        for db in opened:
            await db.close()
