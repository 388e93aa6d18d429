"""Alembic migrations run programmatically on a live connection (no alembic.ini needed,
so an installed gateway can migrate itself)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

# Several replicas may start together: PostgreSQL serialises their migrations on this lock.
_PG_LOCK_ID = 0x70726976  # "priv"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "proxy:migrations")
    config.attributes["connection"] = connection
    return config


def _locked(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})


def upgrade(connection: Connection, revision: str = "head") -> None:
    _locked(connection)
    command.upgrade(_config(connection), revision)


def downgrade(connection: Connection, revision: str) -> None:
    _locked(connection)
    command.downgrade(_config(connection), revision)


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
