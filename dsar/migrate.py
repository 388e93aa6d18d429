"""The DSAR tables' Alembic history, run on the gateway's database through
proxy.db.migrate, recorded in its own version table ``dsar_alembic_version``."""

from __future__ import annotations

from proxy.db import Database
from proxy.db.migrate import History

VERSION_TABLE = "dsar_alembic_version"
HISTORY = History("dsar:migrations", VERSION_TABLE, 0x64736172)  # "dsar"


async def upgrade(db: Database, revision: str = "head") -> None:
    await db.upgrade(revision, HISTORY)

