"""Database layer: SQLAlchemy async engine + Alembic migrations (SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proxy.db.settings import DatabaseSettings

if TYPE_CHECKING:
    from proxy.db.database import Database, create_sync_engine, sync_url

__all__ = ["Database", "DatabaseSettings", "create_sync_engine", "sync_url"]


def __getattr__(name: str) -> Any:
    # proxy.settings imports DatabaseSettings; load SQLAlchemy and Alembic only when used.
    if name in {"Database", "create_sync_engine", "sync_url"}:
        from proxy.db import database

        return getattr(database, name)
    raise AttributeError(name)
