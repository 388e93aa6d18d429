"""Database fixtures for both backends: a fresh SQLite file, or a fresh schema on the real
PostgreSQL (127.0.0.1:5432, db ``test``) dropped afterwards, so runs never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from proxy.db import Database

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_reachable() -> bool:
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """(async URL, PostgreSQL schema or None) of an empty database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/gateway.sqlite", None
        return
    if not _pg_reachable():
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} (CI starts it with .ci/run)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield PG_URL.replace("postgresql://", "postgresql+asyncpg://"), schema
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def db(backend: tuple[str, str | None]) -> AsyncIterator[Database]:
    url, schema = backend
    database = await Database.open(url, schema=schema)
    yield database
    await database.close()
