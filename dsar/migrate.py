"""The DSAR tables' Alembic history, run programmatically on the gateway's database (like
proxy.db.migrate), recorded in its own version table ``dsar_alembic_version``."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from proxy.db import Database

VERSION_TABLE = "dsar_alembic_version"
_PG_LOCK_ID = 0x64736172  # "dsar"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "dsar:migrations")
    config.attributes["connection"] = connection
    return config


def _locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})


def _upgrade(connection: Connection, revision: str) -> None:
    _locked(connection)
    command.upgrade(_config(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    _locked(connection)
    command.downgrade(_config(connection), revision)


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


async def upgrade(db: Database, revision: str = "head") -> None:
    async with db.write() as connection:
        await connection.run_sync(_upgrade, revision)


async def downgrade(db: Database, revision: str) -> None:
    async with db.write() as connection:
        await connection.run_sync(_downgrade, revision)


async def current(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)
