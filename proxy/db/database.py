"""The product's one database: SQLAlchemy async engine, migrated to head on open."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from proxy.db.migrate import GATEWAY, History

_SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (for worker-thread callers)."""
    parsed = make_url(url)
    return parsed.set(drivername=_SYNC_DRIVERS[parsed.drivername]).render_as_string(
        hide_password=False)


IMMEDIATE = {"sqlite_immediate": True}


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (once per file). Replicas opening a new file together race for
    that switch, and SQLite answers the loser "locked" at once instead of waiting."""
    for _ in range(200):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as error:  # the driver's OperationalError, wrapped per dialect
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def _on_connect(engine: Engine, schema: str | None) -> None:
    """Per-connection setup. SQLite: WAL + busy timeout (the async writer and the sync key
    store share the file), and SQLAlchemy rather than the sqlite3 module emits BEGIN, so DDL
    is transactional and writers can take the lock up front (``BEGIN IMMEDIATE`` with the
    IMMEDIATE execution option) instead of failing to upgrade a read lock. PostgreSQL:
    search_path when a schema is configured."""

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        if engine.dialect.name == "sqlite":
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "connect")
    def setup(dbapi_connection: Any, _record: Any) -> None:
        if engine.dialect.name == "sqlite":
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=10000")  # first: the next pragma may wait
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
        elif schema:
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True  # a SET inside a rolled-back transaction is undone
            cursor = dbapi_connection.cursor()
            cursor.execute(f'SET SESSION search_path TO "{schema}"')
            cursor.close()
            dbapi_connection.autocommit = autocommit


def create_sync_engine(url: str, schema: str | None = None) -> Engine:
    engine = create_engine(sync_url(url), pool_pre_ping=True)
    _on_connect(engine, schema)
    return engine


class Database:
    """``db = await Database.open(url)``; ``async with db.session() as s: ...``;
    ``await db.close()``."""

    def __init__(self, engine: AsyncEngine, url: str, schema: str | None) -> None:
        self.engine = engine
        self.url = url
        self.schema = schema
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._writer = engine.execution_options(**IMMEDIATE)

    @classmethod
    async def open(cls, url: str, *, schema: str | None = None, pool_size: int = 10,
                   migrate_to: str | None = "head") -> Database:
        """Create the engine and (unless ``migrate_to`` is None) migrate to that revision."""
        database_file = make_url(url).database
        if url.startswith("sqlite") and database_file:
            Path(database_file).parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("postgresql"):
            options["pool_size"] = pool_size
        engine = create_async_engine(url, **options)
        _on_connect(engine.sync_engine, schema)
        database = cls(engine, url, schema)
        if migrate_to is not None:
            try:
                await database.upgrade(migrate_to)
            except BaseException:
                await engine.dispose()
                raise
        return database

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction that will write: on SQLite it takes the write lock at BEGIN."""
        return self._writer.begin()

    async def upgrade(self, revision: str = "head", history: History = GATEWAY) -> None:
        async with self.write() as connection:
            await connection.run_sync(history.upgrade, revision)

    async def downgrade(self, revision: str, history: History = GATEWAY) -> None:
        async with self.write() as connection:
            await connection.run_sync(history.downgrade, revision)

    async def current_revision(self, history: History = GATEWAY) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(history.current)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    def sync_engine(self) -> Engine:
        """A new synchronous engine on the same database (caller disposes it)."""
        return create_sync_engine(self.url, self.schema)

    async def close(self) -> None:
        await self.engine.dispose()
