"""Alembic migrations run programmatically on a live connection (no alembic.ini needed,
so an installed gateway can migrate itself). Each service sharing the database keeps its own
history: the gateway's here, the DSAR service's in dsar.migrate."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text


@dataclass(frozen=True)
class History:
    script_location: str
    version_table: str
    # Several replicas may start together: PostgreSQL serialises their migrations on this.
    lock_id: int

    def upgrade(self, connection: Connection, revision: str = "head") -> None:
        self._lock(connection)
        command.upgrade(self._config(connection), revision)

    def downgrade(self, connection: Connection, revision: str) -> None:
        self._lock(connection)
        command.downgrade(self._config(connection), revision)

    def current(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection,
                                             opts={"version_table": self.version_table})
        return context.get_current_revision()

    def _config(self, connection: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", self.script_location)
        config.attributes["connection"] = connection
        return config

    def _lock(self, connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": self.lock_id})


GATEWAY = History("proxy:migrations", "alembic_version", 0x70726976)  # "priv"
